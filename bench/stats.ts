/** Small statistics for the benchmark: percentiles and rates. */

/** The p-th percentile (0..100) of `values`, nearest-rank; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** p50 and p99 of latencies in ms, with the sample count. */
export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** Summarizes latencies (ms). */
export function summarize(values: readonly number[]): LatencySummary {
  return { n: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max: Math.max(...values) };
}

/** How many of `times` (ms) fall in [from, to]. */
export function countBetween(times: readonly number[], from: number, to: number): number {
  let n = 0;
  for (const t of times) if (t >= from && t <= to) n++;
  return n;
}

/** Rounds to `digits` decimals (for the results file). */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
