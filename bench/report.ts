/** The benchmark's table: each figure next to its target and whether it is met. */
import type { AcceptResult } from "./accept.ts";
import type { AdaptationResult } from "./adaptation.ts";
import type { CostResult } from "./cost.ts";
import type { CryptoBaseline } from "./crypto-baseline.ts";
import type { SelfHostedFigure } from "./selfhosted.ts";
import type { FanoutResult } from "./fanout.ts";
import type { LagResult } from "./lag.ts";
import type { NodeCostResult } from "./node-cost.ts";
import type { OverlapResult } from "./overlap.ts";
import type { PaceResult } from "./pace.ts";
import type { BundleResult, ClientBundle } from "./bundle.ts";
import type { StorageResult } from "./storage.ts";
import type { WaitersResult } from "./waiters.ts";
import { atLeast, coresRow, gatewayRows, ms, paceTarget, pct, ratio, type Row } from "./rows.ts";
import { type StorefrontResults, storefrontRows } from "./storefront-rows.ts";

export type { Row } from "./rows.ts";

/** Everything one `npm run bench` measured. Absent parts were skipped (--only). */
export interface BenchResults extends StorefrontResults {
  accept?: AcceptResult;
  fanout?: FanoutResult;
  pace?: PaceResult[];
  overlap?: OverlapResult;
  waiters?: WaitersResult;
  storage?: StorageResult;
  bundle?: BundleResult;
  lag?: LagResult;
  /** Refusals answered F, then U. */
  adaptation?: AdaptationResult[];
  crypto?: CryptoBaseline;
  cost?: CostResult;
  /** The self-hosted Node relay at 200/s. */
  nodeCost?: NodeCostResult;
}

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
      const target = size === "100" ? { target: "p50 ≤ 8 ms", met: s.p50 <= 8 } : { target: "—", met: null };
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
      target: "p50 ≤ 12 ms",
      met: f.p50 <= 12 && r.fanout.missing === 0,
    });
  }
  for (const p of r.pace ?? []) {
    out.push({
      measure: `pace at ${p.quota}/s, backlog in POSTs of 5,000, 200 ms answers (achieved ÷ quota, steady)`,
      ...atLeast(p.steady.ratio, paceTarget(p.quota)),
    });
    out.push({
      measure: "  same, whole run (while the POSTs are accepted too)",
      figure: ratio(p.whole.ratio),
      target: "(info)",
      met: null,
    });
    out.push(...gatewayRows(p.quota, p.whole, p.standInLoopDelayMs));
    if (p.cores) out.push(coresRow(p.cores));
  }
  if (r.overlap) {
    const o = r.overlap;
    out.push({
      measure: `overlap: 10,000 notif. submitted every second while sending at ${o.quota}/s (achieved ÷ quota)`,
      ...atLeast(o.ratio, paceTarget(o.quota)),
    });
    out.push(...gatewayRows(o.quota, o, o.standInLoopDelayMs));
    out.push({
      measure: `  accept, 10,000 notif. while sending (p50 / p99, n=${o.accept.n})`,
      figure: `${ms(o.accept.p50)} / ${ms(o.accept.p99)}`,
      target: "(info)",
      met: null,
    });
  }
  if (r.waiters) {
    const w = r.waiters;
    out.push({
      measure: `waiters: ${w.callers} callers holding Prefer: wait=60 + status each second, at ${w.quota}/s (achieved ÷ quota)`,
      ...atLeast(w.ratio, paceTarget(w.quota)),
    });
    out.push(...gatewayRows(w.quota, w, w.standInLoopDelayMs));
    out.push({
      measure: `  held requests: finished (200) / open (202); wait p50 / p99`,
      figure: `${w.finished} / ${w.open}; ${(w.waited.p50 / 1000).toFixed(1)} s / ${(w.waited.p99 / 1000).toFixed(1)} s`,
      target: "(info)",
      met: null,
    });
    out.push({
      measure: `  GET /v1/status meanwhile (p50 / p99, n=${w.status.n})`,
      figure: `${ms(w.status.p50)} / ${ms(w.status.p99)}`,
      target: "(info)",
      met: null,
    });
    if (w.cores) out.push(coresRow(w.cores));
  }
  out.push(...storefrontRows(r));
  if (r.bundle) {
    out.push({
      measure: "deployed index.js (raw / gzipped)",
      figure: `${(r.bundle.rawBytes / 1024).toFixed(1)} KiB / ${(r.bundle.gzipBytes / 1024).toFixed(1)} KiB`,
      target: "raw ≤ 300 KB",
      met: r.bundle.rawBytes <= 300_000,
    });
  }
  if (r.bundle?.client) out.push(clientRow(r.bundle.client));
  if (r.storage) {
    const s = r.storage;
    const grown = s.afterSecond - s.afterFirst;
    out.push({
      measure: `storage: outbox after one / two ${s.notificationsPerRun.toLocaleString("en")}-notification runs (second run's growth)`,
      figure: `${(s.afterFirst / 1e6).toFixed(2)} MB / ${(s.afterSecond / 1e6).toFixed(2)} MB (${grown >= 0 ? "+" : ""}${(grown / 1e3).toFixed(0)} kB)`,
      // What stays per run is its settled batch and job rows (payloads are deleted): a few pages, not a run's payloads.
      target: "≤ 5 % of a run's bodies",
      met: grown <= 0.05 * s.bodyBytesPerRun,
    });
  }
  if (r.lag) {
    out.push({
      measure: `event-loop lag in the relay while 10,000 notif. are accepted (worst of ${r.lag.lagMs.length}; GET / probes 5 ms apart)`,
      figure: ms(r.lag.worstLagMs),
      target: "≤ 10 ms",
      met: r.lag.worstLagMs <= 10,
    });
    const sorted = [...r.lag.lagMs].sort((a, b) => a - b);
    out.push({
      measure: `  median of the ${sorted.length}; the probes' own spread at idle (p99 − p50), the method's noise`,
      figure: `${ms(sorted[Math.floor((sorted.length - 1) / 2)] ?? 0)}; ${ms(r.lag.idle.p99 - r.lag.idle.p50)}`,
      target: "(info)",
      met: null,
    });
  }
  for (const a of r.adaptation ?? []) {
    out.push({
      measure: `adaptation, max ${a.configuredRps}/s vs real ${a.realLimitRps}/s, refusals answered ${a.exceedStatus} (achieved ÷ real, steady after ${a.settleSeconds} s)`,
      ...atLeast(a.steady.ratio, 0.85),
    });
    out.push({ measure: "  same, whole run", figure: ratio(a.whole.ratio), target: "(info)", met: null });
    out.push({
      measure: "  exceed answers, steady (share of calls)",
      figure: pct(a.steady.exceedShare),
      target: "≤ 5 %",
      met: a.steady.exceedShare <= 0.05,
    });
    out.push({
      measure: `  exceed answers, whole run (${a.whole.exceeded} of ${a.whole.calls})`,
      figure: pct(a.whole.exceedShare),
      target: "(info)",
      met: null,
    });
  }
  if (r.cost && r.crypto && r.cost.relayCpuMsPerBatch !== null) {
    const x = r.cost.relayCpuMsPerBatch / r.crypto.cpuMsPerPair;
    out.push({
      measure: `cost: relay CPU per batch ÷ bare sign+verify (${r.cost.relayCpuMsPerBatch.toFixed(2)} ÷ ${r.crypto.cpuMsPerPair.toFixed(3)} ms; median of ${(r.cost.relayCpuMsPerBatchPasses ?? []).map((v) => v?.toFixed(2) ?? "n/a").join(", ")})`,
      figure: `${x.toFixed(2)}×`,
      target: "≤ 3×",
      met: x <= 3,
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
    const floor = r.crypto.workerdFloor;
    if (floor) {
      // What no design can leave out of a batch in workerd: its signature and verify, its request, its log line.
      const least = floor.signVerify + floor.fetch + floor.log;
      out.push({
        measure: `  workerd's own CPU for sign+verify / one 20 KB POST / one RPC / one log line (bare Worker)`,
        figure: `${[floor.signVerify, floor.fetch, floor.rpc, floor.log].map((v) => v.toFixed(2)).join(" / ")} ms`,
        target: "(info)",
        met: null,
      });
      out.push({
        measure: `  relay CPU per batch ÷ that floor's sign+verify + POST + log line (${least.toFixed(2)} ms)`,
        figure: `${(r.cost.relayCpuMsPerBatch / least).toFixed(2)}×`,
        target: "(info)",
        met: null,
      });
    }
  }
  if (r.nodeCost && r.nodeCost.cpuMsPerRequest !== null) {
    const n = r.nodeCost;
    const cpu = n.cpuMsPerRequest!;
    out.push({
      measure: `self-hosted Node, ${n.quota}/s backlog in POSTs of 10,000, 50 ms answers: relay CPU per request, accept included (n=${n.requests})`,
      figure: ms(cpu),
      target: "≤ 3 ms",
      met: cpu <= 3,
    });
    if (r.crypto) {
      out.push({
        measure: `  ÷ a bare sign + verify in Node, this run (${r.crypto.cpuMsPerPair.toFixed(3)} ms)`,
        figure: `${(cpu / r.crypto.cpuMsPerPair).toFixed(2)}×`,
        target: "(info)",
        met: null,
      });
    }
    out.push({
      measure: "  pace meanwhile (achieved ÷ quota, steady)",
      figure: ratio(n.pace.steady.ratio),
      target: "(info)",
      met: null,
    });
    if (n.cores) out.push(coresRow(n.cores, true));
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

/** The figures as a small table. */
export function formatSelfHosted(figures: readonly SelfHostedFigure[]): string {
  const lines = ["runtime   max/s  batches  pace (steady ÷ max)  exceed   max in 1 s  relay CPU per batch"];
  for (const f of figures) {
    const cpu = f.relayCpuMsPerBatch === null ? "n/a" : `${f.relayCpuMsPerBatch.toFixed(2)} ms`;
    lines.push(
      `${f.runtime.padEnd(9)} ${String(f.maxRps).padStart(5)}  ${String(f.batches).padStart(7)}  ${f.paceRatio.toFixed(3).padStart(19)}  ${(100 * f.exceedShare).toFixed(2).padStart(5)} %  ${String(f.maxPerSecond).padStart(10)}  ${cpu}`,
    );
  }
  return lines.join("\n");
}

/** The page that shows the latest full run, from the package root. */
export const BENCH_DOC = "docs/benchmarks.md";

/** Where docs/benchmarks.md shows the latest full run (written by `npm run bench`, checked by test/node/readme.test.ts). */
export const BENCH_MARKERS = { start: "<!-- bench:start -->", end: "<!-- bench:end -->" } as const;

/** docs/benchmarks.md's copy of a saved full run: its table and the self-hosted one. */
export function benchBlock(saved: { table: Row[]; selfhosted?: SelfHostedFigure[] | null }): string {
  const parts = [formatTable(saved.table)];
  if (saved.selfhosted)
    parts.push(`Self-hosted beside workerd, 50/s, 200 ms answers:\n${formatSelfHosted(saved.selfhosted)}`);
  return ["```", parts.join("\n\n"), "```"].join("\n");
}

/** The typed client's size as a caller ships it, and that it bundles no package (its only need is fetch). */
export function clientRow(c: ClientBundle): Row {
  const files = c.inputs.length - c.packages.length;
  return {
    measure: `typed client, bundled + minified (raw / gzipped; ${files} files${c.packages.length ? `, ${c.packages.length} from packages` : ", no package"})`,
    figure: `${(c.rawBytes / 1024).toFixed(1)} KiB / ${(c.gzipBytes / 1024).toFixed(1)} KiB`,
    target: "no package bundled",
    met: c.packages.length === 0,
  };
}
