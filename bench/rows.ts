/** The table's row and the pieces several scenarios' rows share. */
import type { WindowFigures } from "./arrivals.ts";
import type { coresBetween } from "./proc-cpu.ts";

/** One row of the table. */
export interface Row {
  measure: string;
  figure: string;
  target: string;
  /** null: no target for this row. */
  met: boolean | null;
}

export const ms = (v: number) => `${v.toFixed(1)} ms`;
export const seconds = (v: number) => `${(v / 1000).toFixed(2)} s`;
export const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
export const ratio = (v: number) => v.toFixed(3);

// The user's promise, counted at the stand-in: 0.97 of the quota up to 50/s, 0.95 above.
export const paceTarget = (quota: number) => (quota <= 50 ? 0.97 : 0.95);
export const atLeast = (value: number, target: number) => ({
  figure: ratio(value),
  target: `≥ ${target}`,
  met: value >= target,
});

/** The rows every scenario at the stand-in gets: busiest 1,000 ms and exceed answers (none wanted up to 50/s). */
export function gatewayRows(quota: number, w: WindowFigures, loopDelay: { max: number }): Row[] {
  return [
    {
      measure: `  most requests in any 1,000 ms at the stand-in (its loop delay ≤ ${loopDelay.max.toFixed(0)} ms)`,
      figure: String(w.maxIn1000ms),
      target: `≤ ${quota}`,
      met: w.maxIn1000ms <= quota,
    },
    {
      measure: `  exceed answers (${w.exceeded} of ${w.calls} calls)`,
      figure: pct(w.exceedShare),
      target: quota <= 50 ? "0" : "(info)",
      met: quota <= 50 ? w.exceeded === 0 : null,
    },
  ];
}

/** Where the 2 cores went during a scenario; a self-hosted relay has no wrangler proxy to show. */
export function coresRow(c: ReturnType<typeof coresBetween>, selfHosted = false): Row {
  const parts = selfHosted
    ? { names: "relay / stand-in / bench / other processes", values: [c.relay, c.standIn, c.bench, c.others] }
    : {
        names: "relay / wrangler proxy+Node / stand-in / bench / other processes",
        values: [c.relay, c.devOverhead, c.standIn, c.bench, c.others],
      };
  return {
    measure: `  cores used: ${parts.names}`,
    figure: parts.values.map((v) => v.toFixed(2)).join(" / "),
    target: "(info)",
    met: null,
  };
}
