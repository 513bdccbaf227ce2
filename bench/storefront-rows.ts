/** The storefront scenarios' rows of the table, each figure beside its target. */
import { coresRow, gatewayRows, ms, type Row, seconds } from "./rows.ts";
import type { BehindBulkResult, ScenarioFigures, SmallJobsResult, TwoCallersResult } from "./storefront-figures.ts";

/** The storefront scenarios' figures, one per runtime each. */
export interface StorefrontResults {
  smallJobs?: SmallJobsResult[];
  behindBulk?: BehindBulkResult[];
  twoCallers?: TwoCallersResult[];
}

const count = (n: number) => n.toLocaleString("en");
/** "0 not 202", or how many were not and how they were answered (HTTP status; 0: no answer). */
const notAccepted = (refusedBy: Record<string, number>) => {
  const parts = Object.entries(refusedBy).map(([status, n]) => `${n} × ${status}`);
  return parts.length ? `not 202: ${parts.join(", ")}` : "0 not 202";
};
const spread = (l: { p50: number; p99: number; max: number }) =>
  `${seconds(l.p50)} / ${seconds(l.p99)} / ${seconds(l.max)}`;
/** What did not arrive once and only once, if anything. */
const missing = (f: ScenarioFigures) =>
  (f.missing ? `; ${count(f.missing)} never arrived` : "") + (f.repeats ? `; ${count(f.repeats)} arrived again` : "");

/** What every scenario ends with: the stand-in's busiest second, its exceed answers, the CPU split. */
function tail(f: ScenarioFigures): Row[] {
  const rows = gatewayRows(f.quota, f.gateway, f.standInLoopDelayMs);
  if (f.cores) rows.push(coresRow(f.cores, f.runtime !== "workerd"));
  if (f.relayRunQueueShare !== null) {
    rows.push({
      measure: "  the relay's threads runnable but waiting for a core (run-queue time ÷ wall time)",
      figure: f.relayRunQueueShare.toFixed(2),
      target: "(info)",
      met: null,
    });
  }
  return rows;
}

/** Small jobs: requests at the stand-in, latency to it, POST answers. */
function smallJobsRows(f: SmallJobsResult): Row[] {
  // The quota's worth of requests for as long as the POSTs come, and one second more: every request full.
  const most = f.quota * (f.posts / f.perSecond + 1);
  return [
    {
      measure: `small jobs, ${f.runtime}: ${count(f.posts)} single-notification POSTs at ${f.perSecond}/s, quota ${f.quota}/s, 50 ms answers: requests at the stand-in (${f.notificationsPerRequest.toFixed(2)} notif. per request)`,
      figure: count(f.gateway.calls),
      target: `≤ ${count(most)}`,
      met: f.gateway.calls <= most,
    },
    {
      measure: `  latency POST → stand-in (p50 / p99 / max, n=${count(f.latency.n)}${missing(f)})`,
      figure: spread(f.latency),
      target: "p99 ≤ 0.5 s",
      met: f.latency.p99 <= 500 && f.missing === 0,
    },
    {
      measure: `  POST answered 202 (p50 / p99; ${notAccepted(f.refusedBy)}; sent up to ${f.sendLateMs.max.toFixed(0)} ms late)`,
      figure: `${ms(f.answer.p50)} / ${ms(f.answer.p99)}`,
      target: "p99 ≤ 150 ms",
      met: f.answer.p99 <= 150 && f.refused === 0,
    },
    ...tail(f),
  ];
}

/** Behind bulk: the single POSTs' latency to the stand-in. */
function behindBulkRows(f: BehindBulkResult): Row[] {
  return [
    {
      measure: `behind bulk, ${f.runtime}: ${f.singles} single POSTs at 100/s, 1 s after a ${count(f.bulk)}-notification bulk send, quota ${f.quota}/s: latency POST → stand-in (p50 / p99 / max${missing(f)})`,
      figure: spread(f.latency),
      target: "p99 ≤ 0.3 s",
      met: f.latency.p99 <= 300 && f.missing === 0 && f.refused === 0,
    },
    {
      measure: `  bulk: first POST → its last notification at the stand-in; single POSTs answered 202 p99 (${notAccepted(f.refusedBy)})`,
      figure: `${seconds(f.bulkDrainMs)}; ${ms(f.answer.p99)}`,
      target: "(info)",
      met: null,
    },
    ...tail(f),
  ];
}

/** Two callers: B's drain against its fair share, A's pace. */
function twoCallersRows(f: TwoCallersResult): Row[] {
  return [
    {
      measure: `two callers, ${f.runtime}: B's ${count(f.b)} sent 1 s after A's ${count(f.a)}, quota ${f.quota}/s: B's drain ÷ its fair-share ideal (${seconds(f.bDrainMs)} ÷ ${seconds(f.bIdealMs)}${missing(f)})`,
      figure: f.bRatio.toFixed(2),
      target: "≤ 1.3",
      met: f.bRatio <= 1.3 && f.missing === 0,
    },
    {
      measure: `  B's share of what arrived while it had work; A: drain, notif. per second ÷ (quota × 100); requests per second ÷ quota; notif. per request`,
      figure: `${f.bShareWhileBoth.toFixed(2)}; ${seconds(f.aDrainMs)}, ${(f.aPerSecond / (f.quota * 100)).toFixed(2)}; ${f.gateway.ratio.toFixed(2)}; ${f.notificationsPerRequest.toFixed(1)}`,
      target: "(info)",
      met: null,
    },
    ...tail(f),
  ];
}

/** The rows for whichever storefront scenarios ran. */
export function storefrontRows(r: StorefrontResults): Row[] {
  return [
    ...(r.smallJobs ?? []).flatMap(smallJobsRows),
    ...(r.behindBulk ?? []).flatMap(behindBulkRows),
    ...(r.twoCallers ?? []).flatMap(twoCallersRows),
  ];
}
