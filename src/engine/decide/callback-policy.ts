/**
 * Completion callbacks: when to try again, as pure decisions with the clock passed in. A callback is
 * retried with capped exponential backoff and equal jitter while the receiver answers non-2xx or not at
 * all, for up to 24 hours after the job completed; then it is `failed` for good.
 */

/** How long after the job completed a callback is still retried, ms (24 h). */
export const CALLBACK_WINDOW_MS = 24 * 3_600_000;
/** Delay before the second try, ms; it doubles per try. */
export const CALLBACK_FIRST_DELAY_MS = 5_000;
/** Longest delay between two tries, ms (1 h). */
export const CALLBACK_MAX_DELAY_MS = 3_600_000;
/** How long one try waits for the receiver's answer, ms. */
export const CALLBACK_TIMEOUT_MS = 10_000;
/** A try handed to the host is its own for this long, ms; unreported by then, it is tried again. */
export const CALLBACK_LEASE_MS = CALLBACK_TIMEOUT_MS + 5_000;
/**
 * Tries handed out per tick: the Durable Object sends callbacks itself, and one invocation may wait on
 * at most 6 connections, so a few are left for its other work.
 */
export const CALLBACKS_PER_TICK = 4;

/** Where a callback stands. */
export type CallbackStatus = "pending" | "delivered" | "failed";

/** What happens after one try. */
export type CallbackNext = { status: "delivered" } | { status: "failed" } | { status: "pending"; at: number };

// Stops 2^n from growing past any cap (and from overflowing).
const MAX_EXPONENT = 20;

/** Decides after try number `attempts` (from 1) of a job completed at `completedAt`; `random` in [0, 1). */
export function decideCallback(delivered: boolean, attempts: number, completedAt: number, now: number, random: number): CallbackNext {
  if (delivered) return { status: "delivered" };
  const ceiling = Math.min(CALLBACK_MAX_DELAY_MS, CALLBACK_FIRST_DELAY_MS * 2 ** Math.min(MAX_EXPONENT, Math.max(0, attempts - 1)));
  const at = now + Math.round(ceiling / 2 + (ceiling / 2) * Math.min(1, Math.max(0, random)));
  return at > completedAt + CALLBACK_WINDOW_MS ? { status: "failed" } : { status: "pending", at };
}
