/** The benchmark's table: each figure next to its target and whether it is met. */
import type { AcceptResult } from "./accept.ts";
import type { AdaptationResult } from "./adaptation.ts";
import type { CostResult } from "./cost.ts";
import type { CryptoBaseline } from "./crypto-baseline.ts";
import type { FanoutResult } from "./fanout.ts";
import type { PaceResult } from "./pace.ts";

/** Everything one `npm run bench` measured. Absent parts were skipped (--only). */
export interface BenchResults {
  accept?: AcceptResult;
  fanout?: FanoutResult;
  pace?: PaceResult[];
  adaptation?: AdaptationResult;
  crypto?: CryptoBaseline;
  cost?: CostResult;
}

/** One row of the table. */
export interface Row {
  measure: string;
  figure: string;
  target: string;
  /** null: no target for this row. */
  met: boolean | null;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
const ratio = (v: number) => v.toFixed(3);

/** The rows for whatever was measured. */
export function rows(r: BenchResults): Row[] {
  const out: Row[] = [];
  if (r.accept) {
    const f = r.accept.floor;
    out.push({
      measure: `local floor: GET / (404, no Durable Object) via wrangler dev (p50 / p99)`,
      figure: `${ms(f.p50)} / ${ms(f.p99)}`,
      target: "(info)",
      met: null,
    });
    for (const [size, s] of Object.entries(r.accept.bySize)) {
      const target = size === "100" ? { target: "p50 ≤ 10 ms", met: s.p50 <= 10 } : { target: "—", met: null };
      out.push({
        measure: `accept, ${Number(size).toLocaleString("en")} notif. (p50 / p99, n=${s.n})`,
        figure: `${ms(s.p50)} / ${ms(s.p99)}`,
        ...target,
      });
    }
  }
  if (r.fanout) {
    const f = r.fanout.fanout;
    out.push({
      measure: `fan-out, no backlog (p50 / p99, n=${f.n})`,
      figure: `${ms(f.p50)} / ${ms(f.p99)}`,
      target: "p50 ≤ 15 ms",
      met: f.p50 <= 15 && r.fanout.missing === 0,
    });
  }
  for (const p of r.pace ?? []) {
    out.push({
      measure: `pace at ${p.maxRps}/s, 200 ms answers (achieved ÷ max, steady)`,
      figure: ratio(p.ratio),
      target: "≥ 0.95",
      met: p.ratio >= 0.95,
    });
    out.push({
      measure: `  exceed answers at ${p.maxRps}/s (share of ${p.calls} calls)`,
      figure: pct(p.exceedShare),
      target: "≤ 0.5 %",
      met: p.exceedShare <= 0.005,
    });
  }
  if (r.adaptation) {
    const a = r.adaptation;
    out.push({
      measure: `adaptation, max ${a.configuredRps}/s vs real ${a.realLimitRps}/s (achieved ÷ real, steady after ${a.settleSeconds} s)`,
      figure: ratio(a.ratio),
      target: "≥ 0.85",
      met: a.ratio >= 0.85,
    });
    out.push({ measure: "  same, whole run", figure: ratio(a.wholeRatio), target: "(info)", met: null });
    out.push({
      measure: "  exceed answers, steady (share of calls)",
      figure: pct(a.steady.exceedShare),
      target: "≤ 5 %",
      met: a.steady.exceedShare <= 0.05,
    });
    out.push({
      measure: `  exceed answers, whole run (${a.exceeded} of ${a.calls})`,
      figure: pct(a.exceedShare),
      target: "(info)",
      met: null,
    });
  }
  if (r.cost && r.crypto && r.cost.relayCpuMsPerBatch !== null) {
    const x = r.cost.relayCpuMsPerBatch / r.crypto.cpuMsPerPair;
    out.push({
      measure: `cost: relay CPU per batch ÷ bare sign+verify (${r.cost.relayCpuMsPerBatch.toFixed(2)} ÷ ${r.crypto.cpuMsPerPair.toFixed(3)} ms)`,
      figure: `${x.toFixed(2)}×`,
      target: "≤ 1.5×",
      met: x <= 1.5,
    });
    const accept = r.accept?.bySize["10000"]?.cpuMsPer100;
    if (accept != null) {
      out.push({
        measure: "  of which accepting 100 notifications (in 10,000-notification requests)",
        figure: ms(accept),
        target: "(info)",
        met: null,
      });
    }
    if (r.crypto.workerdCpuMsPerPair != null) {
      out.push({
        measure: "  the same sign+verify inside workerd (its RSA speed)",
        figure: `${ms(r.crypto.workerdCpuMsPerPair)}`,
        target: "(info)",
        met: null,
      });
    }
  }
  if (r.cost) {
    out.push({
      measure: `packing: calls ÷ Σ ceil(n/100) (${r.cost.calls} ÷ ${r.cost.expectedCalls})`,
      figure: r.cost.packing.toFixed(3),
      target: "= 1.0",
      met: r.cost.packing === 1,
    });
  }
  return out;
}

/** The rows as a fixed-width text table. */
export function formatTable(list: Row[]): string {
  const header: Row = { measure: "measure", figure: "figure", target: "target", met: null };
  const cells = [header, ...list].map((row, i) => [
    row.measure,
    row.figure,
    row.target,
    i === 0 ? "met" : row.met === null ? "" : row.met ? "yes" : "NO",
  ]);
  const widths = [0, 1, 2, 3].map((c) => Math.max(...cells.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join("  ")
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}
