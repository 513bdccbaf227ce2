/**
 * The storefront scenarios' figures from what the bench sent and what the stand-in recorded: pure
 * arithmetic, kept apart from the runs so that it can be checked on made-up records. Times are epoch ms
 * on the bench's clock unless said otherwise; the stand-in's are brought to it by subtracting its offset.
 */
import type { DeliveriesView } from "../dev/gateway/control.ts";
import type { RelayRuntime } from "../dev/local-run.ts";
import { openIdOf } from "../dev/relay-client.ts";
import type { WindowFigures } from "./arrivals.ts";
import type { coresBetween } from "./proc-cpu.ts";
import { type LatencySummary, summarize } from "./stats.ts";

/** AlipayHK's most notifications in one request. */
export const REQUEST_SIZE = 100;

type CoreShares = ReturnType<typeof coresBetween>;

/** What every storefront scenario reports about the stand-in and the machine. */
export interface ScenarioFigures {
  runtime: RelayRuntime;
  quota: number;
  /** Requests the stand-in saw (admitted or refused), exceed answers, busiest 1,000 ms: first to last arrival. */
  gateway: WindowFigures;
  /** Notifications delivered ÷ admitted requests. */
  notificationsPerRequest: number;
  /** Notifications answered 202 that had not reached the stand-in when the scenario gave up waiting. */
  missing: number;
  /** Deliveries beyond each openId's first (a resend after an answer that was lost or came too late). */
  repeats: number;
  standInLoopDelayMs: { p99: number; max: number };
  /** Cores used meanwhile: the relay, wrangler's proxy and Node (0 self-hosted), the stand-in, the bench, the rest. */
  cores: CoreShares | null;
  /** Time the relay's threads were runnable but waiting for a core ÷ wall time (summed over its threads). */
  relayRunQueueShare: number | null;
}

/** One POST of an open loop: when it was sent (this clock, epoch ms), how late on its schedule, its answer. */
export interface Sent {
  at: number;
  lateMs: number;
  status: number;
  ms: number;
}

/** The small-jobs figures. */
export interface SmallJobsResult extends ScenarioFigures {
  posts: number;
  perSecond: number;
  /** POST sent → its notification's arrival at the stand-in, ms. */
  latency: LatencySummary;
  /** POST sent → 202 with the body read, ms. */
  answer: LatencySummary;
  /** POSTs not answered 202, and how they were answered (HTTP status; 0: no answer). */
  refused: number;
  refusedBy: Record<string, number>;
  /** How late the bench sent its POSTs on their schedule, ms. */
  sendLateMs: LatencySummary;
}

/** The behind-bulk figures. */
export interface BehindBulkResult extends ScenarioFigures {
  bulk: number;
  singles: number;
  latency: LatencySummary;
  answer: LatencySummary;
  refused: number;
  refusedBy: Record<string, number>;
  /** The bulk's first POST sent → its last notification's arrival, ms. */
  bulkDrainMs: number;
}

/** The two-callers figures. */
export interface TwoCallersResult extends ScenarioFigures {
  a: number;
  b: number;
  /** B's POST sent → B's last notification's arrival, ms; the fair-share ideal; their ratio. */
  bDrainMs: number;
  bIdealMs: number;
  bRatio: number;
  /** Of the notifications that arrived from B's first to its last arrival, B's share. */
  bShareWhileBoth: number;
  /** A's first POST sent → A's last arrival, ms; A's notifications per second from its first arrival to its last. */
  aDrainMs: number;
  aPerSecond: number;
}

/** Arrival of each openId's first delivery, on the bench's clock (the stand-in's stamps − `offsetMs`). */
export function firstArrivals(view: DeliveriesView, offsetMs: number): Map<string, number> {
  const first = new Map<string, number>();
  view.openIds.forEach((openId, i) => {
    if (!first.has(openId)) first.set(openId, view.at[i]! - offsetMs);
  });
  return first;
}

/**
 * The single POSTs' figures: POST `k` carried the notification `openIdOf(tag, k)`; its latency runs from
 * its sending to that notification's first arrival. POSTs not answered 202 are counted by their status,
 * not timed; an accepted notification that never arrived has no latency (the scenario counts it missing).
 */
export function singlesFigures(sent: readonly Sent[], tag: string, arrivals: ReadonlyMap<string, number>) {
  const latency: number[] = [];
  const answer: number[] = [];
  let refused = 0;
  const refusedBy: Record<string, number> = {};
  for (const [k, s] of sent.entries()) {
    if (s.status !== 202) {
      refused++;
      refusedBy[s.status] = (refusedBy[s.status] ?? 0) + 1;
      continue;
    }
    answer.push(s.ms);
    const at = arrivals.get(openIdOf(tag, k));
    if (at !== undefined) latency.push(at - s.at);
  }
  return { latency: summarize(latency), answer: summarize(answer), refused, refusedBy };
}

/** How long `count` notifications take at `quota` requests per second with `share` of each request's places, ms. */
export function idealDrainMs(count: number, quota: number, share: number): number {
  return (count / (quota * REQUEST_SIZE * share)) * 1000;
}

/** What the two callers sent: how many each, and when the first POST of each was sent. */
export interface TwoCallersSent {
  quota: number;
  a: { tag: string; count: number; sentAt: number };
  b: { tag: string; count: number; sentAt: number };
}

/**
 * The two callers' figures from every delivery (`view`, the stand-in's clock, `offsetMs` from the bench's):
 * B's drain (its POST → its last notification's first arrival) against B at half of each request's
 * places; B's share of all deliveries (repeats included: they took places) from its first arrival to its
 * last; A's drain and its notifications per second from its first arrival to its last.
 */
export function twoCallersFigures(view: DeliveriesView, offsetMs: number, sent: TwoCallersSent) {
  const first = firstArrivals(view, offsetMs);
  const arrivalsOf = (tag: string) =>
    [...first].filter(([openId]) => openId.startsWith(`2088${tag}`)).map(([, at]) => at);
  const [timesA, timesB] = [arrivalsOf(sent.a.tag), arrivalsOf(sent.b.tag)];
  const [firstA, lastA, firstB, lastB] = [earliest(timesA), latest(timesA), earliest(timesB), latest(timesB)];
  const whileB = view.at.filter((at) => at - offsetMs >= firstB && at - offsetMs <= lastB).length;
  const bDrainMs = lastB - sent.b.sentAt;
  const bIdealMs = idealDrainMs(sent.b.count, sent.quota, 1 / 2);
  return {
    a: sent.a.count,
    b: sent.b.count,
    bDrainMs,
    bIdealMs,
    bRatio: bDrainMs / bIdealMs,
    bShareWhileBoth: whileB ? timesB.length / whileB : 0,
    aDrainMs: lastA - sent.a.sentAt,
    aPerSecond: lastA > firstA ? timesA.length / ((lastA - firstA) / 1000) : 0,
  };
}

/** The smallest and largest of many times (spreading tens of thousands of arguments is not safe). */
export const earliest = (times: readonly number[]) => times.reduce((m, t) => Math.min(m, t), Number.POSITIVE_INFINITY);
export const latest = (times: readonly number[]) => times.reduce((m, t) => Math.max(m, t), Number.NEGATIVE_INFINITY);
