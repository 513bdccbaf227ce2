import type { DispatcherApi } from "../engine/api";
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

/**
 * The settings a host passes as the app's bindings: Worker `env` on Cloudflare, the process environment
 * when self-hosted. The app reads them only through `loadRuntime` (src/runtime.ts).
 */
export type Settings = object;

/** Hono's typing for the relay: the host's settings, plus what middleware resolves once per request. */
export interface RelayEnv {
  Bindings: Settings;
  Variables: {
    /**
     * The dispatcher for the configured clientId, set by the host's own middleware before the app's routes
     * (a Durable Object stub on Cloudflare, the in-process service when self-hosted). Unset while the
     * configuration is invalid; every `/v1` route sits behind `configured()`.
     */
    dispatcher: DispatcherApi;
    runtime: Runtime;
    caller: Caller;
    body: RequestBody;
    /** The `Idempotency-Key` header, checked; absent when the request has none. */
    idempotencyKey: string | undefined;
    /** A webhook whose headers passed: its id and the MAC that `readBody` feeds as the body streams. */
    pendingWebhook: { id: string; mac: WebhookMac } | undefined;
  };
}
