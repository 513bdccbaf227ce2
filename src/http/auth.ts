import type { Context } from "hono";
import { matchApiKey } from "../security/api-key";
import { ownerOf } from "../security/owner";
import { verifyWebhook } from "../security/webhook";
import type { RelayEnv } from "./env";

/** Who is calling, or why they are refused (the reason goes into the 401's detail). */
export type Caller = { ok: true; owner: string; webhookId?: string } | { ok: false; detail: string };

/** True when the request carries Standard Webhooks headers rather than a bearer key. */
export function isWebhookRequest(c: Context<RelayEnv>): boolean {
  return c.req.header("authorization") === undefined && c.req.header("webhook-signature") !== undefined;
}

/** Authenticates a bearer key (`Authorization: Bearer …`) in constant time. */
export async function authenticateBearer(c: Context<RelayEnv>): Promise<Caller> {
  const { apiKeys } = c.var.runtime.config;
  const match = await matchApiKey(c.req.header("authorization"), apiKeys);
  if (!match.ok) {
    const detail = {
      missing: "Send `Authorization: Bearer <key>` or a Standard Webhooks signature.",
      malformed: "The Authorization header must be `Bearer <key>`.",
      unknown: "The API key is not valid.",
    }[match.problem];
    return { ok: false, detail };
  }
  return { ok: true, owner: ownerOf({ kind: "api-key", token: apiKeys[match.keyIndex] as string }) };
}

/** Authenticates a Standard Webhooks signature over the exact body text received. */
export function authenticateWebhook(c: Context<RelayEnv>, body: string | Uint8Array, nowSeconds: number): Caller {
  const secret = c.var.runtime.config.webhookSecret;
  if (!secret) return { ok: false, detail: "Webhook signatures are not enabled on this relay; use a bearer key." };
  const verified = verifyWebhook({
    id: c.req.header("webhook-id"),
    timestamp: c.req.header("webhook-timestamp"),
    signatureHeader: c.req.header("webhook-signature"),
    body,
    secret,
    now: nowSeconds,
  });
  if (!verified.ok) {
    const detail = {
      "missing-headers": "webhook-id, webhook-timestamp and webhook-signature are all required.",
      malformed: "The webhook headers are malformed.",
      stale: "webhook-timestamp is more than 5 minutes away from the relay's clock.",
      "bad-signature": "No webhook signature matches the body.",
    }[verified.problem];
    return { ok: false, detail };
  }
  return { ok: true, owner: ownerOf({ kind: "webhook", secret }), webhookId: verified.webhookId };
}

/** Either credential, for requests without a body (the webhook signature then covers an empty body). */
export async function authenticate(c: Context<RelayEnv>, body = ""): Promise<Caller> {
  return isWebhookRequest(c) ? authenticateWebhook(c, body, Math.floor(Date.now() / 1000)) : authenticateBearer(c);
}
