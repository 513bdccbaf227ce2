/**
 * Attempts per second and per result code over the last few minutes, for `/v1/status` and the
 * dashboard, and their totals since the engine started, for `/metrics`. Kept in memory only: they are
 * figures to look at, not state to recover, and writing a row per attempt would cost a storage write
 * per send.
 */
import { Histogram, type HistogramSnapshot, SEND_SECONDS_BOUNDS } from "./metrics";

/** How much history the figures cover, ms. */
export const STATS_WINDOW_MS = 5 * 60_000;

interface Bucket {
  /** Start of the second, ms epoch. */
  at: number;
  sends: number;
  exceeded: number;
  codes: Map<string, number>;
}

/** A rolling window of per-second buckets, and the totals since `startedAt`. */
export class AttemptStats {
  private readonly buckets: Bucket[] = [];
  private readonly totals = new Map<string, number>();
  private exceededTotal = 0;
  private readonly latency = new Histogram(SEND_SECONDS_BOUNDS);
  /** When counting began (the engine opened), ms epoch: nothing is known before it. */
  readonly startedAt: number;

  constructor(startedAt: number) {
    this.startedAt = startedAt;
  }

  /** Counts one settled attempt with its result code at `now`; `latencyMs` for one that left and was answered. */
  record(now: number, resultCode: string, exceeded: boolean, latencyMs?: number): void {
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
    this.totals.set(resultCode, (this.totals.get(resultCode) ?? 0) + 1);
    if (exceeded) this.exceededTotal += 1;
    if (latencyMs !== undefined) this.latency.observe(latencyMs / 1000);
  }

  /** Attempts by result code within the window. */
  byCode(now: number): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const bucket of this.recent(now)) for (const [code, n] of bucket.codes) counts[code] = (counts[code] ?? 0) + n;
    return counts;
  }

  /** Attempts per second within the window, with the traffic refusals among them and their result codes. */
  perSecond(now: number): { at: number; sends: number; exceeded: number; codes: Record<string, number> }[] {
    return this.recent(now).map(({ at, sends, exceeded, codes }) => ({
      at,
      sends,
      exceeded,
      codes: Object.fromEntries(codes),
    }));
  }

  /** Where the window's figures begin (ms epoch): the window's start, or `startedAt` if later. */
  since(now: number): number {
    return Math.max(this.startedAt, now - STATS_WINDOW_MS);
  }

  /** Attempts by result code since `startedAt`, the traffic refusals among them, and how long those that left took. */
  cumulative(): { requests: Record<string, number>; exceeded: number; sendSeconds: HistogramSnapshot } {
    return {
      requests: Object.fromEntries(this.totals),
      exceeded: this.exceededTotal,
      sendSeconds: this.latency.snapshot(),
    };
  }

  private recent(now: number): Bucket[] {
    return this.buckets.filter((b) => b.at >= now - STATS_WINDOW_MS);
  }

  private trim(now: number): void {
    while ((this.buckets[0]?.at ?? now) < now - STATS_WINDOW_MS) this.buckets.shift();
  }
}
