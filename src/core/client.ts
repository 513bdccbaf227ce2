/**
 * One attempt at sending one batch to AlipayHK: build and sign a fresh envelope, POST it, read and
 * verify the answer. Every way the attempt can end — an answer, a timeout, a network failure — is a
 * returned SendOutcome; retrying is the caller's decision (see the retry policy), not this file's.
 */
import { MAX_ANSWER_BYTES, oversizedAnswer, readAnswer } from "./answer";
import { signEnvelope } from "./envelope";
import type { SendOutcome } from "./types";

/** Everything one attempt needs; clocks and ids are injectable so that tests are exact. */
export interface SendBatchOptions {
  /** The fetch to use (the runtime's, or a fake in tests). */
  fetch: typeof fetch;
  /** The whole gateway URL, e.g. https://open.alipay.hk/api/alipay/intl/user/inform/delegateSendNotification.htm */
  url: string;
  clientId: string;
  merchantId: string;
  /** The batch's `notificationInfos` array as compact JSON text (1..100 validated notifications). */
  notificationInfos: string;
  /** The merchant's private key (sign usage). */
  signingKey: CryptoKey;
  /** Alipay's public key (verify usage). */
  verifyKey: CryptoKey;
  /** Deadline for the whole exchange, response body included, in ms. */
  timeoutMs: number;
  now?: () => Date;
  newReqMsgId?: () => string;
  /** A monotonic clock in ms, for latencyMs (default performance.now). */
  monotonicMs?: () => number;
  /** UTC offset written in reqTime, in minutes (default 480, Hong Kong). */
  utcOffsetMinutes?: number;
  /** Earliest moment the request may leave (ms epoch, on `now`'s clock): it is signed first, then held. */
  notBefore?: number;
  /**
   * Latest moment it may leave (ms epoch): a request ready later than this does not leave at all and
   * comes back as `missed-slot`, since a late request could bunch up with the ones paced after it.
   */
  notAfter?: number;
}

/** AlipayHK's transport: JSON in UTF-8. */
export const REQUEST_CONTENT_TYPE = "application/json; charset=UTF-8";

/** `text` is null when the body was larger than MAX_ANSWER_BYTES (and was not read past it). */
type Exchange = { status: number; retryAfter: string | null; text: string | null } | { error: unknown };

/** The body as text, or null once it passes `maxBytes`: the rest is cancelled, never buffered. */
async function readCapped(response: Response, maxBytes: number): Promise<string | null> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    text += decoder.decode(value, { stream: true });
  }
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Sends one batch once, with a fresh reqMsgId and reqTime, and returns how it ended. Timeouts, network
 * errors and untrustworthy answers are outcomes; it rejects only if signing itself fails (an unusable
 * key: a configuration error caught at key import, before anything is sent).
 */
export async function sendBatch(options: SendBatchOptions): Promise<SendOutcome> {
  const envelope = await signEnvelope(options.signingKey, {
    clientId: options.clientId,
    merchantId: options.merchantId,
    notificationInfos: options.notificationInfos,
    now: options.now,
    newReqMsgId: options.newReqMsgId,
    utcOffsetMinutes: options.utcOffsetMinutes,
  });
  const wallClock = (): number => (options.now?.() ?? new Date()).getTime();
  if (options.notBefore !== undefined) {
    // Signing happens before the wait, so its cost does not move the moment the request leaves.
    const holdMs = options.notBefore - wallClock();
    if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
  }
  const lateMs = options.notAfter === undefined ? 0 : wallClock() - options.notAfter;
  if (lateMs > 0) {
    const detail = `ready ${lateMs} ms after its slot closed; not sent`;
    return {
      kind: "missed-slot",
      resultClass: "unknown",
      reqMsgId: envelope.reqMsgId,
      reqTime: envelope.reqTime,
      latencyMs: 0,
      verified: false,
      detail,
    };
  }
  const clock = options.monotonicMs ?? (() => performance.now());
  // Called unbound: Workers' fetch throws "Illegal invocation" when called as a method of another object.
  const doFetch = options.fetch;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new DOMException(`no answer within ${options.timeoutMs} ms`, "TimeoutError"));
      resolve("timeout");
    }, options.timeoutMs);
  });

  const start = clock();
  // Reading the body is inside the deadline too: a gateway that sends headers and then stalls is a timeout.
  const exchange: Promise<Exchange> = (async () => {
    const response = await doFetch(options.url, {
      method: "POST",
      headers: { "Content-Type": REQUEST_CONTENT_TYPE },
      body: envelope.wireText,
      signal: controller.signal,
      // A signed POST is never replayed elsewhere: a redirect is reported as the HTTP status it is.
      redirect: "manual",
    });
    return {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      text: await readCapped(response, MAX_ANSWER_BYTES),
    };
  })().catch((error: unknown) => ({ error }));

  // When the request really left, on the pacer's clock: the engine counts departures, not decisions. The
  // runtime writes it out only once this task yields, and on a busy thread other tasks may run first, so
  // the moment is read after one turn of the event loop, when the runtime has had its chance to write it:
  // a bound on the departure, rather than the moment it was asked for.
  await nextTurn();
  const sentAt = wallClock();
  let result: Exchange | "timeout";
  try {
    // Racing the deadline (not only aborting) also ends an attempt whose fetch ignores its signal.
    result = await Promise.race([exchange, deadline]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  const latencyMs = clock() - start;
  const attempt = { reqMsgId: envelope.reqMsgId, reqTime: envelope.reqTime, latencyMs, sentAt };

  if (result === "timeout" || ("error" in result && controller.signal.aborted)) {
    const detail = `no answer within ${options.timeoutMs} ms`;
    return { ...attempt, kind: "timeout", resultClass: "unknown", verified: false, detail };
  }
  if ("error" in result) {
    const detail = `fetch failed: ${describeError(result.error)}`;
    return { ...attempt, kind: "network-error", resultClass: "unknown", verified: false, detail };
  }
  const answer =
    result.text === null
      ? oversizedAnswer(result.status)
      : await readAnswer(result.status, result.text, options.verifyKey, envelope.reqMsgId);
  if (result.status === 429) {
    // Too Many Requests (from AlipayHK or a proxy in front of it): refused before processing, like
    // REQUEST_TRAFFIC_EXCEED_LIMIT — safe to resend, and a reason to slow down, not a transport failure.
    const retryAfterMs = retryAfterMsOf(result.retryAfter, wallClock());
    return { ...attempt, ...answer, resultClass: "traffic", ...(retryAfterMs !== null ? { retryAfterMs } : {}) };
  }
  return { ...attempt, ...answer };
}

/** The longest `Retry-After` honoured, ms: a longer one is read as this (the pacer's own slowing goes on). */
export const MAX_RETRY_AFTER_MS = 60_000;

/** RFC 9110 `Retry-After` (delay-seconds or an HTTP-date) as ms from `now`, capped; null when absent or unreadable. */
export function retryAfterMsOf(header: string | null, now: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms)));
}

/** Resolves after the event loop's next turn (timers and I/O that were waiting have run). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
