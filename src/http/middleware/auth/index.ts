/**
 * Authentication: sets `c.var.caller`. Bearer keys (RELAY_ADMIN_KEYS, RELAY_API_KEYS) are checked before
 * any body is read. Standard Webhooks signatures are accepted on `POST /v1/notifications` only: their
 * headers and timestamp are checked before the body, the signature over the raw bytes as `readBody`
 * streams them in, compared before anything decodes or parses them.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchApiKey, tokensOf } from "../../../security/api-key";
import { ownerOf } from "../../../security/owner";
import { checkWebhookHeaders, startWebhookMac } from "../../../security/webhook";
import type { RelayEnv } from "../../env";
import { problem } from "../../problem";

const BEARER_DETAIL = {
  missing: "Send `Authorization: Bearer <key>`.",
  malformed: "The Authorization header must be `Bearer <key>`.",
  unknown: "The API key is not valid.",
} as const;

const WEBHOOK_DETAIL = {
  "missing-headers": "webhook-id, webhook-timestamp and webhook-signature are all required.",
  malformed: "The webhook headers are malformed.",
  stale: "webhook-timestamp is more than 5 minutes away from the relay's clock.",
  "bad-signature": "No webhook signature matches the body.",
} as const;

function unauthorized(c: Context<RelayEnv>, detail: string): Response {
  return problem(c, "unauthorized", detail, {}, { "WWW-Authenticate": "Bearer" });
}

/** Matches the bearer token against both key lists, every key compared (admin first on a key in both). */
async function bearerCaller(c: Context<RelayEnv>): Promise<Response | undefined> {
  const { apiKeys, adminKeys } = c.var.runtime.config;
  const header = c.req.header("authorization");
  const [admin, caller] = await Promise.all([matchApiKey(header, adminKeys), matchApiKey(header, tokensOf(apiKeys))]);
  if (admin.ok) {
    c.set("caller", { owner: ownerOf({ kind: "api-key", token: adminKeys[admin.keyIndex]! }), admin: true });
    return undefined;
  }
  if (!caller.ok) return unauthorized(c, BEARER_DETAIL[caller.problem]);
  const { token, name } = apiKeys[caller.keyIndex]!;
  c.set(
    "caller",
    name === undefined
      ? { owner: ownerOf({ kind: "api-key", token }), admin: false }
      : { owner: ownerOf({ kind: "named-key", name }), admin: false, name },
  );
  return undefined;
}

/** Reads need a bearer key: a webhook signature covers one body, not a read, so captured headers read nothing. */
export const bearerAuth = () =>
  createMiddleware<RelayEnv>(async (c, next) => {
    if (c.req.header("authorization") === undefined && c.req.header("webhook-signature") !== undefined) {
      return unauthorized(
        c,
        "Webhook signatures are accepted on POST /v1/notifications only; reads need a bearer key.",
      );
    }
    const refused = await bearerCaller(c);
    if (refused) return refused;
    await next();
  });

/** A bearer key, or Standard Webhooks headers whose shape and timestamp are checked before the body is read. */
export const submitAuth = () =>
  createMiddleware<RelayEnv>(async (c, next) => {
    c.set("pendingWebhook", undefined);
    if (c.req.header("authorization") !== undefined || c.req.header("webhook-signature") === undefined) {
      const refused = await bearerCaller(c);
      if (refused) return refused;
      return next();
    }
    const secrets = c.var.runtime.config.webhookSecret;
    if (!secrets) return unauthorized(c, "Webhook signatures are not enabled on this relay; use a bearer key.");
    const headers = checkWebhookHeaders({
      id: c.req.header("webhook-id"),
      timestamp: c.req.header("webhook-timestamp"),
      signatureHeader: c.req.header("webhook-signature"),
      now: Math.floor(Date.now() / 1000),
    });
    if (!headers.ok) return unauthorized(c, WEBHOOK_DETAIL[headers.problem]);
    // The MAC is fed chunk by chunk while `readBody` streams the body in: no second pass over it. Every
    // configured secret gets its MAC (during a rotation the old and the new one are both accepted).
    c.set("pendingWebhook", { id: headers.id, mac: startWebhookMac(secrets, headers) });
    await next();
  });

/**
 * Called by `readBody` once the last byte has gone through the pending webhook's MAC, before the body is
 * decoded or parsed: a 401 when no signature matches, else the caller is set. Nothing to do without one.
 */
export function verifyPendingWebhook(c: Context<RelayEnv>): Response | undefined {
  const pending = c.var.pendingWebhook;
  if (!pending) return undefined;
  if (!pending.mac.matches()) return unauthorized(c, WEBHOOK_DETAIL["bad-signature"]);
  c.set("caller", { owner: ownerOf({ kind: "webhook" }), admin: false, name: "webhook", webhookId: pending.id });
  return undefined;
}

/**
 * `GET /metrics`: an admin key (RELAY_ADMIN_KEYS) or a metrics key (RELAY_METRICS_KEYS), every key of both
 * lists compared; a caller's key gets 403, anything else 401. Sets no caller: a scraper owns no jobs.
 */
export const metricsAuth = () =>
  createMiddleware<RelayEnv>(async (c, next) => {
    const { adminKeys, metricsKeys, apiKeys } = c.var.runtime.config;
    const header = c.req.header("authorization");
    const [admin, metrics, caller] = await Promise.all([
      matchApiKey(header, adminKeys),
      matchApiKey(header, metricsKeys),
      matchApiKey(header, tokensOf(apiKeys)),
    ]);
    if (admin.ok || metrics.ok) return next();
    if (caller.ok)
      return problem(
        c,
        "forbidden",
        "Metrics need a metrics key (RELAY_METRICS_KEYS) or an admin key (RELAY_ADMIN_KEYS).",
      );
    return unauthorized(c, BEARER_DETAIL[metrics.problem]);
  });

/** After `bearerAuth`: only admin keys (RELAY_ADMIN_KEYS) pass; a caller key gets 403. */
export const adminOnly = () =>
  createMiddleware<RelayEnv>(async (c, next) => {
    if (!c.var.caller.admin) return problem(c, "forbidden", "This needs an admin key (RELAY_ADMIN_KEYS).");
    await next();
  });
