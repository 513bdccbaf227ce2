/**
 * Every metric `GET /metrics` exposes, declared once: its name, type, unit, help text and labels, the
 * OpenTelemetry instrument it corresponds to where one fits (the messaging conventions: an AlipayHK
 * request is a `send` operation, a notification a message), and how its samples are read from a
 * dispatcher's metrics snapshot. The exposition (exposition.ts), the table in docs/operations.md
 * (docs.ts) and the tests all read this list.
 *
 * Counters marked `memory` count since the dispatcher's instance started (a Durable Object's or a
 * process's): a restart or an eviction starts them from zero, which `rate()` and `increase()` read as a
 * counter reset. Gauges read the status at the same moment as `GET /v1/status` would.
 */
import type { DispatcherMetrics, HoldView } from "../engine/api";
import { type HistogramSnapshot, NOTIFICATION_OUTCOMES, SUBMIT_OUTCOMES } from "../engine/metrics";
import { IGNORED_REASONS } from "../sources/outcomes";

/** What the samples are read from: one dispatcher's snapshot, and the sources configured now. */
export interface MetricsInput {
  metrics: DispatcherMetrics;
  /** Names of the sources in RELAY_SOURCES: each gets a zero for every reason it has not counted yet. */
  sources: readonly string[];
}

/** One sample of a counter or a gauge. */
export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

/** Where a metric's numbers live. */
export type Keeping = "memory" | "storage" | "live";

interface Common {
  /**
   * The family name (OpenMetrics): a counter's samples add `_total`; with a unit, the name ends in it.
   * Prefixed `relay_`.
   */
  name: string;
  /** OpenMetrics `UNIT`: a base unit, or none. */
  unit: "" | "seconds" | "bytes";
  help: string;
  labels: readonly string[];
  /** The OpenTelemetry instrument (and attribute) this corresponds to, where one fits (Markdown). */
  otel?: string;
  keeping: Keeping;
}

/** A counter or a gauge: its samples. */
export interface ScalarMetric extends Common {
  type: "counter" | "gauge";
  read(input: MetricsInput): Sample[];
}

/** A histogram: its buckets. */
export interface HistogramMetric extends Common {
  type: "histogram";
  read(input: MetricsInput): HistogramSnapshot;
}

/** One declared metric. */
export type MetricDeclaration = ScalarMetric | HistogramMetric;

/** Why sending can be held, as `hold.kind` says. */
const HOLD_KINDS: readonly HoldView["kind"][] = ["setup", "unverified", "outage", "paused", "client-mismatch"];

/** One sample per entry of `record`. */
function byLabel(label: string, record: Record<string, number>): Sample[] {
  return Object.entries(record).map(([value, n]) => ({ labels: { [label]: value }, value: n }));
}

/** Every metric, in the order they are exposed. */
export const METRICS: readonly MetricDeclaration[] = [
  {
    name: "relay_requests",
    type: "counter",
    unit: "",
    labels: ["code"],
    keeping: "memory",
    otel: "`messaging.client.operation.duration` (its count) by `error.type`",
    help:
      "AlipayHK requests settled, by result code: AlipayHK's resultCode, or the relay's own (TIMEOUT, NETWORK_ERROR, HTTP_502 " +
      "and other statuses, UNVERIFIED_ANSWER, LOST_IN_FLIGHT; MISSED_SLOT and NOT_SENT never left). In memory since the instance started.",
    read: ({ metrics }) => byLabel("code", metrics.requests),
  },
  {
    name: "relay_exceed_answers",
    type: "counter",
    unit: "",
    labels: [],
    keeping: "memory",
    help:
      "Answers refusing a request for traffic (REQUEST_TRAFFIC_EXCEED_LIMIT or HTTP 429): each lowers the live pace. " +
      "In memory since the instance started.",
    read: ({ metrics }) => [{ value: metrics.exceeded }],
  },
  {
    name: "relay_send_duration_seconds",
    type: "histogram",
    unit: "seconds",
    labels: [],
    keeping: "memory",
    otel: "`messaging.client.operation.duration` (`messaging.operation.name` = `send`)",
    help:
      "Time from handing a request to fetch to reading AlipayHK's answer, for requests that left (a timeout counts " +
      "its RELAY_SEND_TIMEOUT_MS). In memory since the instance started.",
    read: ({ metrics }) => metrics.sendSeconds,
  },
  {
    name: "relay_notifications",
    type: "counter",
    unit: "",
    labels: ["outcome"],
    keeping: "memory",
    otel: "`messaging.client.sent.messages` by `error.type`",
    help:
      "Notifications that reached an end: succeeded, failed (for good), or not sent by a policy (cancelled, expired, " +
      "deduplicated). In memory since the instance started.",
    read: ({ metrics }) =>
      NOTIFICATION_OUTCOMES.map((outcome) => ({ labels: { outcome }, value: metrics.notifications[outcome] })),
  },
  {
    name: "relay_submits",
    type: "counter",
    unit: "",
    labels: ["outcome"],
    keeping: "memory",
    help:
      "Submits the dispatcher answered (callers' and storefront sources'): created, existing (a replayed Idempotency-Key " +
      "or delivery), refused (idempotency-mismatch, webhook-replayed, backlog-full, storage-full, callbacks-pending), or " +
      "error (storing failed). Requests " +
      "refused before the dispatcher (authentication, validation) are not counted. In memory since the instance started.",
    read: ({ metrics }) => SUBMIT_OUTCOMES.map((outcome) => ({ labels: { outcome }, value: metrics.submits[outcome] })),
  },
  {
    name: "relay_callback_tries",
    type: "counter",
    unit: "",
    labels: ["outcome"],
    keeping: "memory",
    help:
      "Completion callback tries by outcome: delivered (a 2xx answer) or failed (tried again later, for up to 24 h). " +
      "In memory since the instance started.",
    read: ({ metrics }) => [
      { labels: { outcome: "delivered" }, value: metrics.callbackTries.delivered },
      { labels: { outcome: "failed" }, value: metrics.callbackTries.failed },
    ],
  },
  {
    name: "relay_callbacks_failed",
    type: "counter",
    unit: "",
    labels: [],
    keeping: "memory",
    help: "Completion callbacks given up after 24 h of tries without a 2xx answer. In memory since the instance started.",
    read: ({ metrics }) => [{ value: metrics.callbacksFailed }],
  },
  {
    name: "relay_callbacks_pending",
    type: "gauge",
    unit: "",
    labels: [],
    keeping: "live",
    help: "Completion callbacks of completed jobs still waiting for a 2xx answer.",
    read: ({ metrics }) => [{ value: metrics.callbacksPending }],
  },
  {
    name: "relay_source_events_ignored",
    type: "counter",
    unit: "",
    labels: ["source", "reason"],
    keeping: "storage",
    help:
      "Storefront events verified and answered 2xx but not queued, by source and reason (docs/sources.md). Kept in " +
      "storage: they survive restarts. A configured source shows 0 for reasons it has not counted.",
    read: ({ metrics, sources }) => {
      const counted = new Map(metrics.status.sources.map((s) => [s.source, s.ignored]));
      const names = [...new Set([...sources, ...counted.keys()])].sort();
      return names.flatMap((source) => {
        const ignored = counted.get(source) ?? {};
        const reasons = [...new Set([...Object.keys(IGNORED_REASONS), ...Object.keys(ignored)])];
        return reasons.map((reason) => ({ labels: { source, reason }, value: ignored[reason] ?? 0 }));
      });
    },
  },
  {
    name: "relay_backlog_notifications",
    type: "gauge",
    unit: "",
    labels: ["state"],
    keeping: "live",
    help: "Notifications accepted and not settled: queued (waiting for a request) or in_flight (on the wire). Their sum is the status's backlog.notifications.",
    read: ({ metrics: { status } }) => [
      { labels: { state: "queued" }, value: status.backlog.queued },
      { labels: { state: "in_flight" }, value: status.backlog.notifications - status.backlog.queued },
    ],
  },
  {
    name: "relay_backlog_oldest_due_seconds",
    type: "gauge",
    unit: "seconds",
    labels: [],
    keeping: "live",
    help:
      "How long the oldest notification due now has waited since it fell due (its job's creation or sendAfter, or its " +
      "retry time); 0 with nothing due. It grows while sending is held or slower than the work arriving.",
    read: ({ metrics }) => [{ value: metrics.status.backlog.oldestDueSeconds }],
  },
  {
    name: "relay_pace_configured_requests_per_second",
    type: "gauge",
    unit: "",
    labels: [],
    keeping: "live",
    help: "The quota: ALIPAY_MAX_RPS, in requests per second.",
    read: ({ metrics }) => [{ value: metrics.status.pace.configuredRps }],
  },
  {
    name: "relay_pace_live_requests_per_second",
    type: "gauge",
    unit: "",
    labels: [],
    keeping: "live",
    help: "The pace in force, in requests per second: the quota, or lower after exceed answers (it recovers slowly).",
    read: ({ metrics }) => [{ value: metrics.status.pace.liveRps }],
  },
  {
    name: "relay_in_flight_requests",
    type: "gauge",
    unit: "",
    labels: [],
    keeping: "live",
    help: "Requests sent and waiting for AlipayHK's answer now (at most RELAY_MAX_IN_FLIGHT).",
    read: ({ metrics }) => [{ value: metrics.status.inFlight }],
  },
  {
    name: "relay_sending_held",
    type: "gauge",
    unit: "",
    labels: ["reason"],
    keeping: "live",
    help:
      "1 for the reason sending is held now, 0 for the others: the circuit breaker (setup, unverified, outage), an " +
      "operator's pause (paused), or a clientId mismatch (client-mismatch). All 0 while sending flows.",
    read: ({ metrics }) =>
      HOLD_KINDS.map((reason) => ({ labels: { reason }, value: metrics.status.hold?.kind === reason ? 1 : 0 })),
  },
  {
    name: "relay_caller_queued_notifications",
    type: "gauge",
    unit: "",
    labels: ["caller"],
    keeping: "live",
    help: "Notifications queued per caller (owner id), for the callers with work queued; each request's places are shared between them by weight.",
    read: ({ metrics }) => metrics.status.callers.map((c) => ({ labels: { caller: c.caller }, value: c.queued })),
  },
  {
    name: "relay_outbox_bytes",
    type: "gauge",
    unit: "bytes",
    labels: [],
    keeping: "live",
    help: "Size of the outbox database.",
    read: ({ metrics }) => [{ value: metrics.status.storage.bytes }],
  },
  {
    name: "relay_outbox_capacity_bytes",
    type: "gauge",
    unit: "bytes",
    labels: [],
    keeping: "live",
    help: "RELAY_STORAGE_CAP_BYTES: the size the outbox may reach (/healthz is degraded above 80 % of it).",
    read: ({ metrics }) => [{ value: metrics.status.storage.capBytes }],
  },
  {
    name: "relay_start_time_seconds",
    type: "gauge",
    unit: "seconds",
    labels: [],
    keeping: "live",
    help: "When the dispatcher's instance started, in seconds since the Unix epoch: the counters kept in memory count from here.",
    read: ({ metrics }) => [{ value: metrics.startedAt / 1000 }],
  },
];
