import type { Runtime } from "../runtime";
import type { WebhookMac } from "../security/webhook";

/** Who is calling, as the authentication middleware resolved it. */
export interface Caller {
  /** Stable, non-reversible id of the credential (see `ownerOf`); jobs belong to it. */
  owner: string;
  /** An operator (RELAY_ADMIN_KEYS): sees every caller's jobs and `/healthz` details. */
  admin: boolean;
  /** Set when a Standard Webhooks signature authenticated the request. */
  webhookId?: string;
}

/** The request body as read once by the body middleware: the exact bytes and their UTF-8 text. */
export interface RequestBody {
  bytes: Uint8Array;
  text: string;
}

/** Hono's typing for the relay: Worker bindings, plus what middleware resolves once per request. */
export interface RelayEnv {
  Bindings: Env;
  Variables: {
    runtime: Runtime;
    caller: Caller;
    body: RequestBody;
    /** The `Idempotency-Key` header, checked; absent when the request has none. */
    idempotencyKey: string | undefined;
    /** Webhook headers checked before the body; the signature is verified once the body is read. */
    /** A webhook whose headers passed: its id and the MAC that `readBody` feeds as the body streams. */
    pendingWebhook: { id: string; mac: WebhookMac } | undefined;
  };
}
