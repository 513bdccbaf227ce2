/**
 * The engine's pure steps for a request's ending: what it means for the clientId (the pace, the
 * breaker), and what happens to the notifications that rode on it. A request carries runs of several
 * jobs, with their own attempt counts and policies: each group of runs that spent alike gets its own
 * decision. The one place where an outcome turns into decisions; the engine only stores them.
 */
import type { SendOutcome } from "../../core/types";
import type { AttemptResult } from "../api";
import { type BreakerDecision, type BreakerState, recordOutcome } from "./breaker";
import { type PacerSettings, type PacerState, recordAccepted, recordExceed } from "./pacer";
import { type RetrySettings, decideNext } from "./retry-policy";

/** What a request's ending decided for the whole clientId. */
export interface RequestSettlement {
  pacer: PacerState;
  breaker: BreakerDecision;
  /** True when the answer was a traffic refusal (REQUEST_TRAFFIC_EXCEED_LIMIT or HTTP 429). */
  exceeded: boolean;
}

/**
 * Decides the pace and the breaker after one request. `lead` identifies the request's work for the
 * breaker (its first run: a run that keeps failing on every request counts as one, not as an outage).
 */
export function settleRequest(
  outcome: SendOutcome,
  result: AttemptResult,
  state: { pacer: PacerState; breaker: BreakerState },
  settings: { pacer: PacerSettings; breakerProbeMaxMs: number },
  lead: number,
  now: number,
): RequestSettlement {
  const exceeded = result.resultClass === "traffic";
  let pacer = state.pacer;
  if (exceeded) pacer = recordExceed(pacer, settings.pacer, now, outcome.retryAfterMs);
  else if (outcome.kind === "answered") pacer = recordAccepted(pacer, settings.pacer, now);
  const breaker = exceeded
    ? { state: state.breaker, absorbed: false, change: null }
    : recordOutcome(
        state.breaker,
        { kind: outcome.kind, resultClass: result.resultClass, resultCode: result.resultCode, lead },
        now,
        settings.breakerProbeMaxMs,
      );
  return { pacer, breaker, exceeded };
}

/** Runs of one request that spent alike before this attempt: they get one decision. */
export interface SettlingRuns {
  /** Tries so far, this one included. */
  attempts: number;
  budgetSpent: number;
  trafficRequeues: number;
  /** `onUnknown: "fail"`: once the request may have reached AlipayHK, they are never sent again. */
  atMostOnce: boolean;
}

/** What happens to a group of runs next. */
export type RunNext =
  | { kind: "finish"; status: "succeeded" | "failed" }
  | { kind: "requeue"; at: number; front: boolean; spendsAttempt: boolean };

/**
 * Decides for one group of the request's runs; `absorbed`: the breaker took the failure as the
 * clientId's (requeue, nothing spent); `random` in [0, 1) draws the retry jitter; `missedInRow`: requests
 * held back as missed slots in a row, this one included.
 */
export function nextForRuns(
  runs: SettlingRuns,
  outcome: SendOutcome,
  result: AttemptResult,
  absorbed: boolean,
  retry: RetrySettings,
  now: number,
  random: number,
  missedInRow = 0,
): RunNext {
  // At-most-once: AlipayHK may have this request, so these end here, whatever the breaker makes of it.
  if (runs.atMostOnce && mayHaveArrived(outcome)) return { kind: "finish", status: "failed" };
  // The clientId's failure, not the notifications': back in line, nothing spent; the breaker paces the probes.
  if (absorbed) return { kind: "requeue", at: now, front: true, spendsAttempt: false };
  const decision = decideNext(
    {
      kind: outcome.kind,
      resultClass: result.resultClass,
      attempts: runs.attempts,
      budgetSpent: runs.budgetSpent,
      trafficRequeues: runs.trafficRequeues,
      missedInRow,
    },
    retry,
    random,
  );
  return decision.action === "done"
    ? { kind: "finish", status: decision.status }
    : { kind: "requeue", at: now + decision.delayMs, front: decision.front, spendsAttempt: decision.spendsAttempt };
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
