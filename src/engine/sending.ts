/**
 * Sending, as the engine does it: a request assembled at a slot goes on the wire (the outbox leases its
 * runs, the text is spliced together from the stored wire text), and a request's ending is settled —
 * `settleRequest` and `nextForRuns` (decide/outcome.ts) decide, this applies: the outbox ends or requeues
 * each group of runs (moving its own counts and the jobs' counters), the queue takes the requeued runs
 * back, and the engine's memory moves with it: the pace window (the real departure, a refusal's lower
 * rate), the breaker and the figures the status shows. One log line per request.
 */
import { sliceElements } from "../core/batch";
import type { SendOutcome } from "../core/types";
import type { logEvent } from "../log";
import type { DispatcherStatus, SendTask } from "./api";
import type { BreakerState } from "./decide/breaker";
import { nextForRuns, settleRequest } from "./decide/outcome";
import { type PacerState, pacerMemory, recordDeparture, guardOf } from "./decide/pacer";
import type { Slot } from "./decide/plan";
import { attemptLogLine, attemptResult } from "./decide/result";
import type { Assembled, DueQueue } from "./queue";
import type { EngineSettings } from "./settings";
import { AttemptStats } from "./stats";
import type { GroupDecision, Outbox, Settled } from "./store/outbox";
import type { RequestRow } from "./store/rows";
import { roundRate } from "./views";

/** Exceed-limit adaptations the status keeps. */
const ADAPTATIONS_KEPT = 20;

/** Extra time a sender gets beyond the send timeout to report back, ms. */
export const LEASE_GRACE_MS = 5_000;

type Adaptation = DispatcherStatus["adaptations"][number];

/** The engine's memory of sending, moved by each settlement (the engine owns it). */
export interface SendingState {
  pacer: PacerState;
  breaker: BreakerState;
  /** Requests on the wire as the breaker's probes. */
  probes: Set<number>;
  stats: AttemptStats;
  /** The same figures per caller: the requests that carried its notifications. */
  ownerStats: Map<string, AttemptStats>;
  /** The callers whose notifications ride on each request on the wire (this instance's: a restart forgets them). */
  requestOwners: Map<number, readonly string[]>;
  /** Requests held back as missed slots since the last one that left (see `MISSED_SLOTS_IN_ROW`). */
  missedInRow: number;
}

/** What sending reads and writes through. */
export interface SendingContext {
  outbox: Outbox;
  queue: DueQueue;
  settings: EngineSettings;
  random: () => number;
  newReqMsgId: () => string;
  log: typeof logEvent;
}

/** Puts an assembled request on the wire at `slot` (inside the caller's transaction); returns the sender's task. */
export function dispatch(ctx: SendingContext, state: SendingState, assembled: Assembled, slot: Slot): SendTask {
  const { outbox, settings } = ctx;
  const reqMsgId = ctx.newReqMsgId();
  const { at, countedAt } = slot;
  const guard = guardOf(settings.pacer);
  const requestId = outbox.dispatch(
    {
      reqMsgId,
      merchantId: assembled.merchantId,
      size: assembled.size,
      sentAt: countedAt,
      leaseUntil: countedAt + settings.sendTimeoutMs + LEASE_GRACE_MS,
    },
    assembled.pieces.map(({ run, count, whole }) => ({
      runId: run.runId,
      jobId: run.jobId,
      count,
      whole,
      firstAttempt: run.attempts === 0,
    })),
  );
  if (slot.probe) state.probes.add(requestId);
  state.requestOwners.set(requestId, [...new Set(assembled.pieces.map((p) => p.run.owner))]);
  // Each payload is read once, and each piece cut from it without parsing (its elements' text as stored);
  // a piece that is its whole payload is the text between the brackets.
  const texts = outbox.payloadTexts(assembled.pieces.map((p) => p.run.payloadId));
  const elements = assembled.pieces.map(({ run, count }) => {
    const payload = texts.get(run.payloadId);
    if (!payload) throw new Error(`payload ${run.payloadId} of run ${run.runId} is missing`);
    return run.first === 0 && count === payload.count
      ? payload.infos.slice(1, -1)
      : sliceElements(payload.infos, run.first, count);
  });
  return {
    clientId: settings.clientId,
    requestId,
    reqMsgId,
    merchantId: assembled.merchantId,
    size: assembled.size,
    notificationInfos: `[${elements.join(",")}]`,
    notBefore: at,
    // Lateness up to the pace guard is what the window's margin absorbs; later would bunch up. Never
    // within the guard of a deadline of what it carries (the time to reach AlipayHK): a request that
    // would leave then stays home.
    notAfter: Math.min(countedAt + guard, (assembled.expiresAt ?? Number.POSITIVE_INFINITY) - guard),
  };
}

/** Settles the ending of a request on the wire. Returns the jobs it completed. */
export function settleInFlight(
  ctx: SendingContext,
  state: SendingState,
  request: RequestRow,
  outcome: SendOutcome,
  now: number,
): string[] {
  const { outbox, settings, log } = ctx;
  const result = attemptResult(outcome);
  const departed = outcome.sentAt !== undefined && outcome.sentAt > request.sent_at ? outcome.sentAt : null;
  if (departed !== null) state.pacer = recordDeparture(state.pacer, settings.pacer, request.sent_at, departed);
  const before = state.pacer.liveRps;
  // Missed slots in a row: a request that left (or was answered) ends the streak.
  if (outcome.kind === "missed-slot") state.missedInRow += 1;
  else if (outcome.kind !== "not-sent") state.missedInRow = 0;
  const groups = outbox.runGroups(request.request_id, "leased");
  const lead = groups.length > 0 ? Math.min(...groups.map((g) => g.lead)) : -request.request_id;
  const decided = settleRequest(outcome, result, state, settings, lead, now);
  const decisions: GroupDecision[] = groups.map((group) => ({
    group,
    next: nextForRuns(
      {
        attempts: group.attempts,
        budgetSpent: group.budget_spent,
        trafficRequeues: group.traffic_requeues,
        atMostOnce: group.at_most_once === 1,
      },
      outcome,
      result,
      decided.breaker.absorbed,
      settings.retry,
      now,
      ctx.random(),
      state.missedInRow,
    ),
  }));
  state.pacer = decided.pacer;
  state.probes.delete(request.request_id);
  const ending = {
    state: outcome.kind === "lost" ? ("lost" as const) : ("ended" as const),
    result,
    departed,
    held: outcome.kind === "missed-slot",
  };
  const settled = outbox.sql.bookkeeping(() => {
    if (state.pacer.liveRps !== before || decided.exceeded) outbox.setMeta("pacer", pacerMemory(state.pacer));
    if (decided.breaker.state.hold !== state.breaker.hold) outbox.setMeta("hold", decided.breaker.state.hold);
    return outbox.settle(request.request_id, ending, decisions, now);
  });
  ctx.queue.add(settled.requeued, now);
  state.breaker = decided.breaker.state;
  const latencyMs = outcome.sentAt === undefined ? undefined : outcome.latencyMs;
  state.stats.record(now, result.resultCode, decided.exceeded, latencyMs);
  // A request handed out before a restart is not in memory: its runs still say whose it carried.
  for (const owner of state.requestOwners.get(request.request_id) ?? outbox.ownersOn(request.request_id)) {
    let stats = state.ownerStats.get(owner);
    if (!stats) state.ownerStats.set(owner, (stats = new AttemptStats(state.stats.startedAt)));
    stats.record(now, result.resultCode, decided.exceeded, latencyMs);
  }
  state.requestOwners.delete(request.request_id);
  if (decided.exceeded && state.pacer.liveRps !== before) noteAdaptation(ctx, state.pacer, now, result.resultCode);
  if (decided.breaker.change) {
    log({
      event: `breaker_${decided.breaker.change}`,
      kind: state.breaker.hold?.kind ?? null,
      reason: state.breaker.hold?.reason ?? null,
    });
  }
  const attempts = Math.max(0, ...groups.map((g) => g.attempts));
  log(attemptLogLine(request, attempts, outcome, result, summary(settled, now)));
  return settled.completed;
}

/**
 * A report that arrives after its lease ran out, while the request's runs wait for their resend:
 * AlipayHK's answer is still the truth about that request. A success or a final refusal ends them (no
 * resend); anything else leaves the scheduled resend as it is. Returns the jobs it completed.
 */
export function settleLate(
  ctx: SendingContext,
  state: SendingState,
  request: RequestRow,
  outcome: SendOutcome,
  now: number,
): string[] {
  const result = attemptResult(outcome);
  if (outcome.kind !== "answered" || (result.resultClass !== "success" && result.resultClass !== "final")) {
    ctx.log({
      event: "late_report_ignored",
      requestId: request.request_id,
      reqMsgId: outcome.reqMsgId,
      resultCode: result.resultCode,
    });
    return [];
  }
  const status = result.resultClass === "success" ? "succeeded" : "failed";
  const settled = ctx.outbox.sql.bookkeeping(() => ctx.outbox.settleLate(request.request_id, result, status, now));
  ctx.queue.remove(settled.finished);
  state.stats.record(now, result.resultCode, false, outcome.sentAt === undefined ? undefined : outcome.latencyMs);
  ctx.log({
    event: "late_report",
    requestId: request.request_id,
    reqMsgId: outcome.reqMsgId,
    resultCode: result.resultCode,
    next: status,
    notifications: settled.succeeded + settled.failed,
  });
  return settled.completed;
}

/** What became of a request's notifications, for its log line. */
function summary(settled: Settled, now: number): string {
  const parts: string[] = [];
  if (settled.succeeded) parts.push(`${settled.succeeded} succeeded`);
  if (settled.failed) parts.push(`${settled.failed} failed`);
  const requeued = settled.requeued.reduce((n, r) => n + r.count, 0);
  if (requeued)
    parts.push(`${requeued} retry in ${Math.max(0, Math.min(...settled.requeued.map((r) => r.next_at)) - now)} ms`);
  return parts.join(", ") || "nothing left on it";
}

/** Keeps the last adaptations of the pace for the status (one per distinct rate). */
function noteAdaptation(ctx: SendingContext, pacer: PacerState, now: number, reason: string): void {
  const liveRps = roundRate(pacer.liveRps);
  const adaptations = ctx.outbox.getMeta<Adaptation[]>("adaptations") ?? [];
  if (adaptations.at(-1)?.liveRps === liveRps) return;
  adaptations.push({ at: new Date(now).toISOString(), liveRps, reason });
  ctx.outbox.setMeta("adaptations", adaptations.slice(-ADAPTATIONS_KEPT));
  ctx.log({ event: "pace_lowered", liveRps, reason });
}
