/**
 * `alipay-notify-relay/client`: a typed client for the relay's HTTP API and a verifier for its
 * completion callbacks. No dependency beyond `fetch` and Web Crypto; see docs/client.md.
 */
export { verifyCallback } from "./callbacks.js";
export { createRelayClient, newIdempotencyKey, RelayClient, } from "./client.js";
export { CallbackVerificationError, RelayError, RelayNetworkError, RelayProblemError, RelayResponseError, RelayWaitTimeoutError, } from "./errors.js";
export { DEFAULT_RETRY, nextDelay, RETRYABLE_STATUSES, retryAfterMs } from "./retry.js";
