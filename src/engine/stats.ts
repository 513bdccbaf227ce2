/**
 * Attempts per second and per result code over the last few minutes, for `/v1/status` and the
 * dashboard. Kept in memory only: they are figures to look at, not state to recover, and writing a row
 * per attempt would cost a storage write per send.
 */

/** How much history the figures cover, ms. */
export const STATS_WINDOW_MS = 5 * 60_000;

interface Bucket {
  /** Start of the second, ms epoch. */
  at: number;
  sends: number;
  exceeded: number;
  codes: Map<string, number>;
}

/** A rolling window of per-second buckets. */
export class AttemptStats {
  private readonly buckets: Bucket[] = [];

  /** Counts one settled attempt with its result code at `now`. */
  record(now: number, resultCode: string, exceeded: boolean): void {
    const at = Math.floor(now / 1000) * 1000;
    let bucket = this.buckets.at(-1);
    if (!bucket || bucket.at !== at) {
      bucket = { at, sends: 0, exceeded: 0, codes: new Map() };
      this.buckets.push(bucket);
      this.trim(now);
    }
    bucket.sends += 1;
    if (exceeded) bucket.exceeded += 1;
    bucket.codes.set(resultCode, (bucket.codes.get(resultCode) ?? 0) + 1);
  }

  /** Attempts by result code within the window. */
  byCode(now: number): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const bucket of this.recent(now)) for (const [code, n] of bucket.codes) counts[code] = (counts[code] ?? 0) + n;
    return counts;
  }

  /** Attempts per second within the window, with the traffic refusals among them. */
  perSecond(now: number): { at: number; sends: number; exceeded: number }[] {
    return this.recent(now).map(({ at, sends, exceeded }) => ({ at, sends, exceeded }));
  }

  private recent(now: number): Bucket[] {
    return this.buckets.filter((b) => b.at >= now - STATS_WINDOW_MS);
  }

  private trim(now: number): void {
    while ((this.buckets[0]?.at ?? now) < now - STATS_WINDOW_MS) this.buckets.shift();
  }
}
