/**
 * The stand-in's traffic limit: strictly at most `limitRps` admitted requests in any 1000 ms window,
 * judged by arrival time. Stricter than a fixed per-second bucket on purpose: a relay that is fine here
 * is fine under any per-second counting the real gateway may use.
 */

/** A sliding-window counter of admitted arrivals. */
export interface SlidingWindowLimiter {
  /** Admits (and counts) an arrival at `now` ms, or refuses it without counting. */
  admit(now: number): boolean;
  /** Changes the limit; 0 or less means unlimited. */
  setLimit(limitRps: number): void;
  /** Forgets all arrivals. */
  reset(): void;
}

/** Window length, ms. */
export const WINDOW_MS = 1000;

/** Creates a limiter allowing `limitRps` admitted arrivals per sliding second (0 = unlimited). */
export function createLimiter(limitRps: number): SlidingWindowLimiter {
  let limit = limitRps;
  // Admitted arrival times, ascending; only the last `limit` can matter, so the array stays small.
  let times: number[] = [];
  return {
    admit(now) {
      if (!(limit > 0)) return true;
      // The window is (now - 1000, now]: an arrival exactly 1000 ms earlier no longer counts.
      while (times.length > 0 && times[0]! <= now - WINDOW_MS) times.shift();
      if (times.length >= limit) return false;
      times.push(now);
      return true;
    },
    setLimit(limitRps) {
      limit = limitRps;
    },
    reset() {
      times = [];
    },
  };
}

/** The largest number of `times` (ms, any order) falling in any window (t - windowMs, t]. */
export function maxInAnyWindow(times: readonly number[], windowMs = WINDOW_MS): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[lo]! <= sorted[hi]! - windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
