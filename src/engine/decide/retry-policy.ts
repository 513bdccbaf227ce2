/**
 * What to do with a batch after one send attempt: a pure decision from the attempt's ResultClass.
 *
 * Backoff is capped exponential with *equal jitter*: half of the exponential delay is fixed, half is
 * random. A U, 5xx or timeout usually means AlipayHK is struggling and may already have processed the
 * batch, so every retry must really wait longer than the last (full jitter can draw ~0 ms and resend
 * at once, a likely duplicate); the random half still spreads batches that failed together, and the
 * pacer, not the jitter, is what keeps the sends from bunching up.
 */
import type { OutcomeKind, ResultClass } from "../../core/types";

/** The retry budget and the backoff curve. */
export interface RetrySettings {
  /** Attempts that spend the budget, the first one included. */
  maxAttempts: number;
  /** Backoff before the second attempt, ms (before equal jitter). */
  baseDelayMs: number;
  /** Backoff never exceeds this, ms. */
  maxDelayMs: number;
}

/** The next step for a batch. `front`: requeue ahead of waiting batches; `delayMs`: earliest resend. */
export type RetryDecision =
  | { action: "done"; status: "succeeded" | "failed" }
  | { action: "retry"; delayMs: number; spendsAttempt: boolean; front: boolean };

/**
 * A safety cap on traffic requeues (which spend no budget), so that a gateway answering only
 * REQUEST_TRAFFIC_EXCEED_LIMIT cannot keep a batch forever; at the pacer's 1/s floor that is minutes.
 */
export const DEFAULT_MAX_TRAFFIC_REQUEUES = 200;

// 2^30 × any sane base is far past any cap; stops 2^n from overflowing to Infinity (0 × Infinity = NaN).
const MAX_EXPONENT = 30;

/** The capped exponential delay before the next attempt, ms, before jitter (attemptsSpent ≥ 1). */
export function backoffCeilingMs(attemptsSpent: number, settings: RetrySettings): number {
  const exponent = Math.min(MAX_EXPONENT, Math.max(0, attemptsSpent - 1));
  return Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** exponent);
}

/** Decide after one attempt, from its ResultClass; `attemptsSpent` counts it; `random` in [0, 1). */
export function decideAfterAttempt(
  resultClass: ResultClass,
  attemptsSpent: number,
  settings: RetrySettings,
  random: number,
): RetryDecision {
  switch (resultClass) {
    case "success":
      return { action: "done", status: "succeeded" };
    case "final":
      return { action: "done", status: "failed" };
    case "traffic":
      // Refused before processing: resend first, free of charge; the pacer has already slowed down.
      return { action: "retry", delayMs: 0, spendsAttempt: false, front: true };
    case "unknown": {
      if (attemptsSpent >= settings.maxAttempts) return { action: "done", status: "failed" };
      // Back in front of their job's queue once the backoff has passed: they were there first.
      return {
        action: "retry",
        delayMs: jitteredBackoffMs(attemptsSpent, settings, random),
        spendsAttempt: true,
        front: true,
      };
    }
  }
}

/** Traffic requeues so far against the cap: retry at the front, or give the batch up as failed. */
export function decideAfterTraffic(requeues: number, maxRequeues = DEFAULT_MAX_TRAFFIC_REQUEUES): RetryDecision {
  return requeues < maxRequeues
    ? { action: "retry", delayMs: 0, spendsAttempt: false, front: true }
    : { action: "done", status: "failed" };
}

/**
 * After an attempt that never left the relay (signing failed, the relay is misconfigured, the sender
 * could not be reached): AlipayHK has seen nothing, so no retry budget is spent and the batch is never
 * given up — it waits with the usual backoff (by `tries` so far) until the relay can send again.
 */
export function decideAfterNotSent(tries: number, settings: RetrySettings, random: number): RetryDecision {
  return {
    action: "retry",
    delayMs: jitteredBackoffMs(Math.max(1, tries), settings, random),
    spendsAttempt: false,
    front: false,
  };
}

/**
 * Requests held back as missed slots in a row (none leaving between) that go straight back for the
 * next slot; beyond it, a sender that cannot keep up is not fed a slot every 1/rps.
 */
export const MISSED_SLOTS_IN_ROW = 3;

/** The first wait after the streak passes MISSED_SLOTS_IN_ROW, doubling with each miss beyond it, ms. */
export const MISSED_SLOT_BASE_DELAY_MS = 100;

/**
 * The longest a missed request waits, ms. A miss says the host was late (a stall, a busy core), not
 * that AlipayHK refused anything: a short wait gives the host room, and other due work keeps filling
 * the slots meanwhile; a wait of the retry backoff's length (minutes) would park a backlog's
 * requests long after the host caught up.
 */
export const MISSED_SLOT_MAX_DELAY_MS = 1000;

/**
 * After a request that was ready too late for its pacing slot and so never left (`missedInRow` such
 * requests in a row, this one included): it goes back to the front of the queue, spending nothing
 * (AlipayHK never saw it). Up to `MISSED_SLOTS_IN_ROW` in a row it takes the next slot; beyond, it
 * waits a short delay growing with the streak (at most `MISSED_SLOT_MAX_DELAY_MS`), so that a host
 * too busy to send in time is given time instead of a slot it will miss again.
 */
export function decideAfterMissedSlot(missedInRow = 1, random = 0): RetryDecision {
  const over = missedInRow - MISSED_SLOTS_IN_ROW;
  if (over <= 0) return { action: "retry", delayMs: 0, spendsAttempt: false, front: true };
  const ceiling = Math.min(MISSED_SLOT_MAX_DELAY_MS, MISSED_SLOT_BASE_DELAY_MS * 2 ** Math.min(over - 1, 16));
  const delayMs = Math.round(ceiling / 2 + (ceiling / 2) * Math.min(1, Math.max(0, random)));
  return { action: "retry", delayMs, spendsAttempt: false, front: true };
}

/** Equal jitter over the capped exponential delay: between half of it and all of it, ms. */
function jitteredBackoffMs(attemptsSpent: number, settings: RetrySettings, random: number): number {
  const ceiling = backoffCeilingMs(attemptsSpent, settings);
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(1, Math.max(0, random)));
}

/** One attempt as the dispatcher knows it: how it ended, and what the batch had spent before it. */
export interface SettledAttempt {
  /** How the attempt ended: `missed-slot` and `not-sent` never reached AlipayHK. */
  kind: OutcomeKind;
  resultClass: ResultClass;
  /** Tries so far, this one included (every dispatch counts). */
  attempts: number;
  /** Tries that spent the retry budget before this one. */
  budgetSpent: number;
  /** Traffic refusals before this one. */
  trafficRequeues: number;
  /** Requests held back as missed slots in a row, this one included (missed slots only). */
  missedInRow?: number;
}

/** The next step for a batch after any attempt: the one place that tells the kinds of ending apart. */
export function decideNext(attempt: SettledAttempt, settings: RetrySettings, random: number): RetryDecision {
  if (attempt.kind === "missed-slot") return decideAfterMissedSlot(attempt.missedInRow ?? 1, random);
  if (attempt.kind === "not-sent") return decideAfterNotSent(attempt.attempts - attempt.budgetSpent, settings, random);
  // A traffic refusal costs no retry budget; the requeue cap only stops a gateway that refuses forever.
  if (attempt.resultClass === "traffic") return decideAfterTraffic(attempt.trafficRequeues);
  return decideAfterAttempt(attempt.resultClass, attempt.budgetSpent + 1, settings, random);
}
