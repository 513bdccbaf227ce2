/**
 * How a failed callback try is reported to its caller (`callback.lastError`): a coarse class, never the
 * runtime's own text. Exact statuses and error messages would let a caller map what the relay can reach
 * (which ports answer, which names resolve, what a TLS handshake says); a class is enough to fix a receiver.
 */

/** The classes `callback.lastError` can hold. */
export const CALLBACK_FAILURES = [
  "blocked-address",
  "unresolvable",
  "refused",
  "unreachable",
  "reset",
  "timeout",
  "tls",
  "network",
  "redirect",
  "http-4xx",
  "http-5xx",
  "http-other",
] as const;

/** One class of callback failure. */
export type CallbackFailure = (typeof CALLBACK_FAILURES)[number];

/** Thrown by a callback fetch that refused every address its name resolved to. */
export class BlockedAddressError extends Error {
  override readonly name = "BlockedAddressError";
  constructor() {
    super("the callback's host resolves only to addresses callbacks may not reach");
  }
}

/** The class of a receiver's answer that was not 2xx. */
export function failureOfStatus(status: number): CallbackFailure {
  if (status >= 300 && status < 400) return "redirect"; // never followed: it could lead anywhere
  if (status >= 400 && status < 500) return "http-4xx";
  if (status >= 500 && status < 600) return "http-5xx";
  return "http-other";
}

// Node's error codes (net, dns, tls, undici), wherever the error or its cause carries them.
const BY_CODE: [RegExp, CallbackFailure][] = [
  [/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_NODATA|EAI_FAIL)$/, "unresolvable"],
  [/^ECONNREFUSED$/, "refused"],
  [/^(EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENETDOWN)$/, "unreachable"],
  [/^(ECONNRESET|EPIPE|ECONNABORTED|UND_ERR_SOCKET)$/, "reset"],
  [/^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT)$/, "timeout"],
  [/^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/, "tls"],
];

/** The class of an error thrown by a callback's fetch (the message is never looked at, nor kept). */
export function failureOfError(error: unknown): CallbackFailure {
  // Errors and DOMExceptions alike: only `name`, `code` and `cause` are read.
  let current = error as { name?: unknown; code?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; typeof current === "object" && current !== null && depth < 4; depth++) {
    if (current instanceof BlockedAddressError || current.name === "BlockedAddressError") return "blocked-address";
    if (current.name === "TimeoutError" || current.name === "AbortError") return "timeout";
    const { code } = current;
    if (typeof code === "string") for (const [pattern, failure] of BY_CODE) if (pattern.test(code)) return failure;
    current = current.cause as typeof current;
  }
  return "network";
}
