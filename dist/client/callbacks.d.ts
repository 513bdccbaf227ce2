import type { JobView } from "./types.js";
/** Headers as `Request.headers` has them, or as Node's `IncomingMessage.headers` (lower-case names). */
export type CallbackHeaders = Headers | Record<string, string | string[] | undefined>;
/** Options of `verifyCallback`. */
export interface VerifyCallbackOptions {
    /** How far `webhook-timestamp` may be from now, either way, in seconds (default 300, the specification's). */
    toleranceSeconds?: number;
    /** The current time, in seconds since the Unix epoch (default: the clock). */
    now?: number;
}
/**
 * Verifies a callback and returns the job document it carries. `rawBody` must be the exact bytes (or
 * text) received, before any JSON parsing; `secrets` are `whsec_…` strings, any one of which may have
 * signed it (several while the relay's operator rotates them). Throws `CallbackVerificationError` for a
 * missing or malformed header, a timestamp outside the tolerance, or no signature matching.
 * Receivers should also drop a `webhook-id` they have already handled: retries repeat it.
 */
export declare function verifyCallback(headers: CallbackHeaders, rawBody: string | Uint8Array | ArrayBuffer, secrets: string | readonly string[], options?: VerifyCallbackOptions): Promise<JobView>;
