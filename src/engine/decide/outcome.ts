/**
 * The engine's pure step for an attempt's ending: what happens to the batch, the pace and the breaker.
 * The one place where an outcome turns into decisions; the engine only stores them.
 */
import type { SendOutcome } from "../../core/types";
import { type BreakerDecision, type BreakerState, recordOutcome } from "./breaker";
import { type PacerSettings, type PacerState, recordAccepted, recordExceed } from "./pacer";
import { type RetrySettings, decideNext } from "./retry-policy";
import type { AttemptResult } from "../api";

/** The batch as it stood before this attempt ended. */
export interface SettlingBatch {
  batchId: number;
  /** Tries so far, this one included. */
  attempts: number;
  budgetSpent: number;
  trafficRequeues: number;
  /** `onUnknown: "fail"`: once the request may have reached AlipayHK, it is never sent again. */
  atMostOnce: boolean;
}

/** What happens to the batch next. */
export type BatchNext =
  | { kind: "finish"; status: "succeeded" | "failed" }
  | { kind: "requeue"; at: number; front: boolean; spendsAttempt: boolean };

/** Everything one settlement decided. */
export interface Settlement {
  next: BatchNext;
  pacer: PacerState;
  breaker: BreakerDecision;
  /** True when the answer was a traffic refusal (the pace was lowered, or kept after timing noise). */
  exceeded: boolean;
}

/** Decides after one attempt; `random` in [0, 1) draws the retry jitter. */
export function settleAttempt(
  batch: SettlingBatch,
  outcome: SendOutcome,
  result: AttemptResult,
  state: { pacer: PacerState; breaker: BreakerState },
  settings: { pacer: PacerSettings; retry: RetrySettings; breakerProbeMaxMs: number },
  now: number,
  random: number,
): Settlement {
  const exceeded = result.resultClass === "traffic";
  let pacer = state.pacer;
  if (exceeded) pacer = recordExceed(pacer, settings.pacer, now);
  else if (outcome.kind === "answered") pacer = recordAccepted(pacer, settings.pacer, now);

  const breaker = exceeded
    ? { state: state.breaker, absorbed: false, change: null }
    : recordOutcome(
        state.breaker,
        { kind: outcome.kind, resultClass: result.resultClass, resultCode: result.resultCode, batchId: batch.batchId },
        now,
        settings.breakerProbeMaxMs,
      );
  if (batch.atMostOnce && mayHaveArrived(outcome)) {
    // At-most-once: AlipayHK may have this request, so it ends here, whatever the breaker makes of it.
    return { next: { kind: "finish", status: "failed" }, pacer, breaker: { ...breaker, absorbed: false }, exceeded };
  }
  if (breaker.absorbed) {
    // The clientId's failure, not the batch's: back in line, nothing spent; the breaker paces the probes.
    return { next: { kind: "requeue", at: now, front: false, spendsAttempt: false }, pacer, breaker, exceeded };
  }
  const decision = decideNext(
    {
      kind: outcome.kind,
      resultClass: result.resultClass,
      attempts: batch.attempts,
      budgetSpent: batch.budgetSpent,
      trafficRequeues: batch.trafficRequeues,
    },
    settings.retry,
    random,
  );
  const next: BatchNext =
    decision.action === "done"
      ? { kind: "finish", status: decision.status }
      : { kind: "requeue", at: now + decision.delayMs, front: decision.front, spendsAttempt: decision.spendsAttempt };
  return { next, pacer, breaker, exceeded };
}

/**
 * True when the request may have been processed by AlipayHK: any ending but a trusted F or S, a traffic
 * refusal (refused before processing), or a request that never left (`not-sent`, `missed-slot`).
 */
export function mayHaveArrived(outcome: SendOutcome): boolean {
  if (outcome.kind === "not-sent" || outcome.kind === "missed-slot") return false;
  if (outcome.resultClass === "traffic") return false;
  return outcome.kind !== "answered" || outcome.resultClass === "unknown";
}
