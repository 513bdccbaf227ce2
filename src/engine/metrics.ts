/**
 * What `/metrics` reads of a dispatcher, taken in one call: the status as an admin sees it (every gauge
 * reads it, so the two agree at the same moment) and the totals counted since this instance started.
 * The totals live in memory (a Durable Object's or a process's): a restart or an eviction starts them
 * from zero again, which Prometheus' `rate()` and `increase()` read as a counter reset. Workers export no
 * metrics of their own; these come from the dispatcher's state, per clientId.
 */
import type { DispatcherStatus, SubmitResult } from "./answers";
import type { CallbackStatus } from "./decide/callback-policy";

/**
 * Upper bounds of the send-duration buckets, seconds: OpenTelemetry's advice for durations, and the
 * longest send timeout (RELAY_SEND_TIMEOUT_MS is at most 25 s).
 */
export const SEND_SECONDS_BOUNDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 25,
];

/** How a notification ended, as the jobs' counters count it. */
export type NotificationOutcome = "succeeded" | "failed" | "cancelled" | "expired" | "deduplicated";

/** Every `NotificationOutcome`, in the order the job document lists them. */
export const NOTIFICATION_OUTCOMES: readonly NotificationOutcome[] = [
  "succeeded",
  "failed",
  "cancelled",
  "expired",
  "deduplicated",
];

/** How a submit ended as the dispatcher saw it: a `SubmitResult` kind, or `error` when storing it threw. */
export type SubmitOutcome = SubmitResult["kind"] | "error";

/** Every `SubmitOutcome`: the compiler keeps this list whole as `SubmitResult` grows. */
const OUTCOME_SET: Record<SubmitOutcome, true> = {
  created: true,
  existing: true,
  "idempotency-mismatch": true,
  "webhook-replayed": true,
  "backlog-full": true,
  "storage-full": true,
  "callbacks-pending": true,
  error: true,
};
export const SUBMIT_OUTCOMES = Object.keys(OUTCOME_SET) as SubmitOutcome[];

/** A histogram as exposed: counts per upper bound (cumulative, as Prometheus' `le` buckets), their sum and count. */
export interface HistogramSnapshot {
  bounds: number[];
  /** Observations at or below each bound, in the order of `bounds`. */
  cumulative: number[];
  sum: number;
  count: number;
}

/** A histogram with fixed buckets, kept in memory. */
export class Histogram {
  private readonly bounds: readonly number[];
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = bounds.map(() => 0);
  }

  /** Counts one observation. */
  observe(value: number): void {
    const i = this.bounds.findIndex((bound) => value <= bound);
    if (i >= 0) this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += value;
    this.count += 1;
  }

  /** Its buckets as Prometheus exposes them (cumulative; `+Inf` is `count`). */
  snapshot(): HistogramSnapshot {
    let running = 0;
    const cumulative = this.counts.map((n) => (running += n));
    return { bounds: [...this.bounds], cumulative, sum: this.sum, count: this.count };
  }
}

/** What the service counts itself: submits and completion callback tries, as it sees them. */
export interface ServiceTotals {
  submits: Record<SubmitOutcome, number>;
  /** Callback tries by how they ended: answered 2xx, or not (to be tried again, or given up). */
  callbackTries: { delivered: number; failed: number };
  /** Callbacks given up after their 24 h of tries. */
  callbacksFailed: number;
}

/** The service's totals, since it started. */
export class ServiceCounters {
  private readonly totals: ServiceTotals = {
    submits: Object.fromEntries(SUBMIT_OUTCOMES.map((o) => [o, 0])) as Record<SubmitOutcome, number>,
    callbackTries: { delivered: 0, failed: 0 },
    callbacksFailed: 0,
  };

  /** A submit ended so. */
  submitted(outcome: SubmitOutcome): void {
    this.totals.submits[outcome] += 1;
  }

  /** A callback try ended; `next` is what became of its callback (`failed`: given up). */
  callbackTried(delivered: boolean, next: CallbackStatus | null): void {
    this.totals.callbackTries[delivered ? "delivered" : "failed"] += 1;
    if (next === "failed") this.totals.callbacksFailed += 1;
  }

  /** A copy of the totals. */
  snapshot(): ServiceTotals {
    return structuredClone(this.totals);
  }
}

/** What the engine contributes: the status and what settling requests counted. */
export interface EngineMetrics {
  /** The status as an admin sees it, at the moment of the snapshot. */
  status: DispatcherStatus;
  /** When the engine started counting, ms epoch. */
  startedAt: number;
  /** Requests settled, by result code (AlipayHK's, or a relay code such as TIMEOUT). */
  requests: Record<string, number>;
  /** Answers that refused a request for traffic (REQUEST_TRAFFIC_EXCEED_LIMIT, HTTP 429). */
  exceeded: number;
  /** How long requests that left took to be answered, seconds. */
  sendSeconds: HistogramSnapshot;
  /** Notifications that reached an end, by how. */
  notifications: Record<NotificationOutcome, number>;
  /** Completion callbacks waiting for a 2xx now. */
  callbacksPending: number;
}

/** One dispatcher's metrics: plain data (it crosses the Durable Object's RPC boundary). */
export type DispatcherMetrics = EngineMetrics & ServiceTotals;
