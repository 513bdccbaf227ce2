/**
 * What the engine does with the ending of an attempt: `settleAttempt` (decide/outcome.ts) decides, this
 * applies the decision. The batch is finished or requeued in the outbox (which moves its own counts), and
 * the engine's memory moves with it: the pace window (the real departure, an exceed's lower rate), the
 * breaker and the figures the status shows. One log line per attempt.
 */
import type { SendOutcome } from "../core/types";
import type { logEvent } from "../log";
import { attemptLogLine, attemptResult } from "./decide/result";
import type { BreakerState } from "./decide/breaker";
import type { Outbox } from "./store/outbox";
import type { OpenBatch } from "./store/rows";
import { type PacerState, pacerMemory, recordDeparture } from "./decide/pacer";
import { roundRate } from "./views";
import { settleAttempt } from "./decide/outcome";
import type { EngineSettings } from "./settings";
import type { SqlAdapter } from "./store/sql";
import type { AttemptStats } from "./stats";
import type { DispatcherStatus } from "./api";

/** Exceed-limit adaptations the status keeps. */
const ADAPTATIONS_KEPT = 20;

type Adaptation = DispatcherStatus["adaptations"][number];

/** The engine's memory of sending, moved by each settlement (the engine owns it). */
export interface SendingState {
  pacer: PacerState;
  breaker: BreakerState;
  /** Batches on the wire as the breaker's probes. */
  probes: Set<number>;
  stats: AttemptStats;
}

/** What settlement reads and writes through. */
export interface SettlementContext {
  sql: SqlAdapter;
  outbox: Outbox;
  settings: EngineSettings;
  random: () => number;
  log: typeof logEvent;
}

/** Settles an attempt of an in-flight batch. Returns true when this completed the batch's job. */
export function settleInFlight(ctx: SettlementContext, state: SendingState, batch: OpenBatch, outcome: SendOutcome, now: number): boolean {
  const { sql, outbox, settings, log } = ctx;
  const result = attemptResult(outcome);
  const departed = departure(batch, outcome);
  if (departed !== null && batch.sent_at !== null) {
    state.pacer = recordDeparture(state.pacer, settings.pacer, batch.sent_at, departed);
  }
  const before = state.pacer.liveRps;
  const settled = settleAttempt(
    {
      batchId: batch.batch_id,
      attempts: batch.attempts,
      budgetSpent: batch.budget_spent,
      trafficRequeues: batch.traffic_requeues,
      atMostOnce: batch.at_most_once === 1,
    },
    outcome,
    result,
    { pacer: state.pacer, breaker: state.breaker },
    settings,
    now,
    ctx.random(),
  );
  state.pacer = settled.pacer;
  state.probes.delete(batch.batch_id);
  let completed = false;
  sql.transaction(() => {
    if (state.pacer.liveRps !== before || settled.exceeded) outbox.setMeta("pacer", pacerMemory(state.pacer));
    if (settled.breaker.state.hold !== state.breaker.hold) outbox.setMeta("hold", settled.breaker.state.hold);
    if (settled.next.kind === "finish") completed = outbox.finish(batch, result, settled.next.status, now, departed);
    else outbox.requeue(batch, result, { ...settled.next, held: outcome.kind === "missed-slot", departed });
  });
  state.breaker = settled.breaker.state;
  state.stats.record(now, result.resultCode, settled.exceeded);
  if (settled.exceeded && state.pacer.liveRps !== before) noteAdaptation(ctx, state.pacer, now, result.resultCode);
  if (settled.breaker.change) {
    log({ event: `breaker_${settled.breaker.change}`, kind: state.breaker.hold?.kind ?? null, reason: state.breaker.hold?.reason ?? null });
  }
  const next = settled.next.kind === "finish" ? settled.next.status : `retry in ${settled.next.at - now} ms`;
  log(attemptLogLine(batch, outcome, result, next));
  return completed;
}

/**
 * A report that arrives after its lease ran out, while the batch waits for its resend: AlipayHK's
 * answer is still the truth about that request. A success or a final refusal ends the batch (no
 * resend); anything else leaves the scheduled resend as it is. Returns true when this completed the job.
 */
export function settleLate(ctx: SettlementContext, state: SendingState, batch: OpenBatch, outcome: SendOutcome, now: number): boolean {
  const result = attemptResult(outcome);
  if (outcome.kind !== "answered" || (result.resultClass !== "success" && result.resultClass !== "final")) {
    ctx.log({ event: "late_report_ignored", batchId: batch.batch_id, reqMsgId: outcome.reqMsgId, resultCode: result.resultCode });
    return false;
  }
  const status = result.resultClass === "success" ? "succeeded" : "failed";
  const completed = ctx.sql.transaction(() => ctx.outbox.finish(batch, result, status, now));
  state.stats.record(now, result.resultCode, false);
  ctx.log({ event: "late_report", jobId: batch.job_id, batch: batch.seq, reqMsgId: outcome.reqMsgId, resultCode: result.resultCode, next: status });
  return completed;
}

/** Keeps the last adaptations of the pace for the status (one per distinct rate). */
function noteAdaptation(ctx: SettlementContext, pacer: PacerState, now: number, reason: string): void {
  const liveRps = roundRate(pacer.liveRps);
  const adaptations = ctx.outbox.getMeta<Adaptation[]>("adaptations") ?? [];
  if (adaptations.at(-1)?.liveRps === liveRps) return;
  adaptations.push({ at: new Date(now).toISOString(), liveRps, reason });
  ctx.outbox.setMeta("adaptations", adaptations.slice(-ADAPTATIONS_KEPT));
  ctx.log({ event: "pace_lowered", liveRps, reason });
}

/** When the attempt's request really left, if it left later than planned (the window then counts it there). */
function departure(batch: OpenBatch, outcome: SendOutcome): number | null {
  const sentAt = outcome.sentAt;
  return sentAt !== undefined && batch.sent_at !== null && sentAt > batch.sent_at ? sentAt : null;
}
