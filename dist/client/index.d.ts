/**
 * `alipay-notify-relay/client`: a typed client for the relay's HTTP API and a verifier for its
 * completion callbacks. No dependency beyond `fetch` and Web Crypto; see docs/client.md.
 */
export { type CallbackHeaders, type VerifyCallbackOptions, verifyCallback } from "./callbacks.js";
export { createRelayClient, newIdempotencyKey, RelayClient, type RelayClientOptions, type SubmitOptions, type SubmitResult, type WaitOptions, } from "./client.js";
export { type CallbackRefusal, CallbackVerificationError, RelayError, RelayNetworkError, RelayProblemError, RelayResponseError, RelayWaitTimeoutError, } from "./errors.js";
export { DEFAULT_RETRY, nextDelay, RETRYABLE_STATUSES, type RetryPolicy, retryAfterMs } from "./retry.js";
export type * from "./types.js";
export type { components, operations, paths } from "./openapi.js";
