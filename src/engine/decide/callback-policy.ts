/**
 * Completion callbacks: when to try again and which tries may go now, as pure decisions with the clock
 * passed in. A callback is retried with capped exponential backoff and equal jitter while the receiver
 * answers non-2xx or not at all, for up to 24 hours after the job completed (10 minutes for a job that
 * sent nothing: one whose every notification was deduplicated, cancelled or expired costs nothing to
 * make, so its callback must not cost the relay a day of tries); then it is `failed` for good.
 */

/** How long after the job completed a callback is still retried, ms (24 h). */
export const CALLBACK_WINDOW_MS = 24 * 3_600_000;
/** The same for a job none of whose notifications was ever sent, ms (10 min). */
export const CALLBACK_UNSENT_WINDOW_MS = 10 * 60_000;
/** Delay before the second try, ms; it doubles per try. */
export const CALLBACK_FIRST_DELAY_MS = 5_000;
/** Longest delay between two tries, ms (1 h). */
export const CALLBACK_MAX_DELAY_MS = 3_600_000;
/** How long one try waits for the receiver's answer, ms. */
export const CALLBACK_TIMEOUT_MS = 10_000;
/** A try handed to the host is its own for this long, ms; unreported by then, it is tried again. */
export const CALLBACK_LEASE_MS = CALLBACK_TIMEOUT_MS + 5_000;

/** Where a callback stands. */
export type CallbackStatus = "pending" | "delivered" | "failed";

/** What happens after one try. */
export type CallbackNext = { status: "delivered" } | { status: "failed" } | { status: "pending"; at: number };

// Stops 2^n from growing past any cap (and from overflowing).
const MAX_EXPONENT = 20;

/** The retry window of a job's callback, ms: short when the job never sent anything (`attempted` notifications: 0). */
export function callbackWindowMs(attempted: number): number {
  return attempted > 0 ? CALLBACK_WINDOW_MS : CALLBACK_UNSENT_WINDOW_MS;
}

/**
 * Decides after try number `attempts` (from 1) of a job completed at `completedAt`, retried within
 * `windowMs` of it; `random` in [0, 1).
 */
export function decideCallback(
  delivered: boolean,
  attempts: number,
  completedAt: number,
  now: number,
  random: number,
  windowMs = CALLBACK_WINDOW_MS,
): CallbackNext {
  if (delivered) return { status: "delivered" };
  const ceiling = Math.min(
    CALLBACK_MAX_DELAY_MS,
    CALLBACK_FIRST_DELAY_MS * 2 ** Math.min(MAX_EXPONENT, Math.max(0, attempts - 1)),
  );
  const at = now + Math.round(ceiling / 2 + (ceiling / 2) * Math.min(1, Math.max(0, random)));
  return at > completedAt + windowMs ? { status: "failed" } : { status: "pending", at };
}

/**
 * Which of the due tries (`due`, earliest first, each with its owner) go now: at most `inFlight` on the
 * wire in all and `perCaller` for one owner, counting those already out (`out`: per owner). A caller at
 * its cap is passed over, so one caller's dead receiver never holds back another's callbacks.
 */
export function pickCallbacks<T extends { owner: string }>(
  due: readonly T[],
  out: ReadonlyMap<string, number>,
  limits: { inFlight: number; perCallerInFlight: number },
): T[] {
  let free = limits.inFlight - [...out.values()].reduce((a, b) => a + b, 0);
  const taken = new Map(out);
  const picked: T[] = [];
  for (const row of due) {
    if (free <= 0) break;
    const mine = taken.get(row.owner) ?? 0;
    if (mine >= limits.perCallerInFlight) continue;
    taken.set(row.owner, mine + 1);
    picked.push(row);
    free -= 1;
  }
  return picked;
}
