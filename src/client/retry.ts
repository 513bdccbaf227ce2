/**
 * When to try a request again: pure decisions of (attempt, time spent, the server's Retry-After, a random
 * number), so they can be checked without waiting. Network errors, 429, 502, 503 and 504 are retried;
 * a Retry-After is honoured exactly (never earlier), and nothing is retried past the budget.
 */

/** How hard the client retries one logical call. */
export interface RetryPolicy {
  /** Attempts in all, the first included (1 = never retry). */
  attempts: number;
  /** Time one call may spend across its attempts and waits, in ms; a retry that would end later is not made. */
  budgetMs: number;
  /** First backoff when the server gives no Retry-After, in ms; doubles per attempt, with jitter. */
  baseDelayMs: number;
  /** Longest backoff without Retry-After, in ms. */
  maxDelayMs: number;
}

/** Five attempts within 30 s, backoff from 0.5 s. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, budgetMs: 30_000, baseDelayMs: 500, maxDelayMs: 8_000 };

/** Answers worth another attempt: the relay (or something in front of it) is busy or briefly away. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * `Retry-After` (RFC 9110 §10.2.3) in ms from `now` (ms epoch): delay-seconds or an HTTP-date; undefined
 * when absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  const text = header?.trim();
  if (!text) return undefined;
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  // An HTTP-date starts with the day's name (IMF-fixdate, RFC 850 and asctime alike).
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before the next attempt, in ms, or null to give up: after `attempt` attempts (from 1) and
 * `elapsedMs` spent. `retryAfter` (ms) is the server's word and is used as is; otherwise exponential
 * backoff with jitter (`random` in [0, 1): half to all of the step).
 */
export function nextDelay(
  policy: RetryPolicy,
  attempt: number,
  elapsedMs: number,
  retryAfter: number | undefined,
  random: number,
): number | null {
  if (attempt >= policy.attempts) return null;
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const delay = retryAfter ?? Math.round(step * (0.5 + random / 2));
  return elapsedMs + delay > policy.budgetMs ? null : delay;
}
