/**
 * The engine's answers as zod/mini schemas, declared once: the engine's view types are their `z.output`,
 * and the HTTP layer documents and checks its responses with the same schemas (it gives them their
 * component names in the OpenAPI document: src/http/openapi/schemas.ts).
 */
import * as z from "zod/mini";
import { JOB_ID_PATTERN } from "../security/owner";

/** `schema` with a description (the API document shows it). */
export function described<T extends z.ZodMiniType>(description: string, schema: T): T {
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), description });
  return schema;
}

/** A whole non-negative number, optionally described. */
export const count = (description?: string) => {
  const schema = z.int().check(z.gte(0));
  return description ? schema.check(z.describe(description)) : schema;
};
/** An RFC 3339 timestamp with offset, optionally described. */
export const timestamp = (description?: string) => {
  const schema = z.iso.datetime({ offset: true });
  return description ? schema.check(z.describe(description)) : schema;
};
/** A described string. */
export const text = (description: string) => z.string().check(z.describe(description));

/** A job id: `job_` and 128 random bits in base64url (see `newJobId`). */
export const JobIdSchema = described(
  "Unguessable job id; a job is readable only with the credentials that created it (or an admin key).",
  z.string().check(z.regex(JOB_ID_PATTERN)),
);

/** A job's lifecycle: `completed` once every batch has succeeded or failed for good. */
export const JobStatusSchema = described(
  "`queued` until a notification is sent, `running` while some are open, `completed` once every notification ended.",
  z.enum(["queued", "running", "completed"]),
);

/**
 * Where some of a job's notifications are: the AlipayHK request they last rode on (requests are
 * assembled at each pacing slot from every job's due notifications, so one request may carry several
 * jobs' notifications and a large job rides on many), or, with no reqMsgId, not sent yet.
 */
export const BatchViewSchema = described(
  "Some of the job's notifications and the AlipayHK request they last rode on (requests carry up to 100 notifications of any jobs, assembled at each pacing slot); `reqMsgId` null: not sent yet.",
  z.strictObject({
    size: count("This job's notifications in this entry."),
    status: z
      .enum(["queued", "sending", "succeeded", "failed", "cancelled", "expired"])
      .check(
        z.describe(
          "`queued`: waiting for a request (after an unknown answer, for a resend); `sending`: on the wire; `cancelled` (the job was cancelled first) and `expired` (its `expiresAt` passed first) were never sent again.",
        ),
      ),
    attempts: count("Sends of these notifications so far (traffic-limit refusals included)."),
    reqMsgId: z.nullable(text("reqMsgId of the request they last rode on; null before their first.")),
    resultStatus: z.nullable(text("AlipayHK's resultStatus of that request's answer: S, F or U.")),
    resultCode: z.nullable(text("AlipayHK's resultCode, or a relay code such as TIMEOUT.")),
    resultMsg: z.nullable(z.string()),
  }),
);

/** Where a job's completion callback stands. */
export const CallbackViewSchema = described(
  "The completion callback: `pending` until the receiver answers 2xx (`delivered`) or 24 h of retries pass (`failed`; 10 minutes for a job that sent nothing).",
  z.strictObject({
    status: z
      .enum(["waiting", "pending", "delivered", "failed"])
      .check(z.describe("`waiting` until the job completes.")),
    attempts: count("Tries so far."),
    lastError: z.nullable(text("Why the latest try failed, e.g. `HTTP 500` or `timeout`.")),
  }),
);

/** A job as `GET /v1/notifications/{jobId}` shows it. */
export const JobViewSchema = described(
  "A job's progress. When `status` is `completed`, `succeeded + failed + cancelled + expired + deduplicated = total`.",
  z.strictObject({
    jobId: JobIdSchema,
    status: JobStatusSchema,
    merchantId: z.string(),
    total: count(),
    succeeded: count(),
    failed: count(),
    cancelled: count("Not sent because the job was cancelled."),
    expired: count("Not sent because `expiresAt` passed first."),
    deduplicated: count("Not sent because the caller's `dedupKey` was accepted before (within RELAY_DEDUP_HOURS)."),
    pending: count("Not ended yet; 0 once `completed`."),
    sendAfter: z.nullable(timestamp("Nothing of the job leaves before this.")),
    expiresAt: z.nullable(timestamp("Notifications not sent by then end `expired`.")),
    onUnknown: z
      .enum(["retry", "fail"])
      .check(z.describe("`fail`: at-most-once, a notification that may have reached AlipayHK is never resent.")),
    callback: z.nullable(CallbackViewSchema),
    createdAt: timestamp(),
    completedAt: z.nullable(timestamp()),
    batches: z
      .array(BatchViewSchema)
      .check(
        z.describe(
          "Where the notifications are, by the request they last rode on: not sent yet first, then newest first; at most 100 entries.",
        ),
      ),
    batchesOmitted: count("Older entries not listed (a large job rides on many requests)."),
    failures: z
      .array(z.strictObject({ openId: z.string(), resultCode: z.string(), resultMsg: z.string() }))
      .check(
        z.describe(
          "Every notification that failed for good, with the reason (not the cancelled, expired or deduplicated).",
        ),
      ),
  }),
);

/** A job as the relay answers it. */
export type JobView = z.output<typeof JobViewSchema>;
/** Some of a job's notifications and the request they last rode on. */
export type BatchView = z.output<typeof BatchViewSchema>;

/** Why sending is held, while it is. */
export const HoldSchema = described(
  "Why sending is held: the circuit breaker (client setup wrong, answers that do not verify, a gateway outage), an operator's pause, or a clientId mismatch.",
  z.strictObject({
    kind: z.enum(["setup", "unverified", "outage", "paused", "client-mismatch"]),
    reason: z.string(),
    since: timestamp(),
    by: z.nullable(
      text(
        "Who paused: the admin key's owner id (never the key), shown to admin keys only; null for the breaker's holds and for caller keys.",
      ),
    ),
    nextProbeAt: z.nullable(
      timestamp("When the next probe request may leave; null when none will until someone acts."),
    ),
  }),
);

/** Why sending is held, while it is. */
export type HoldView = z.output<typeof HoldSchema>;

/** One storefront source's ignored events, as the status shows them. */
export const SourceViewSchema = described(
  "A storefront source's events that were verified and answered 2xx but not queued, counted by reason.",
  z.strictObject({
    source: text("The source's name (RELAY_SOURCES)."),
    ignored: z
      .record(z.string(), count())
      .check(z.describe("Events by reason, e.g. `unhandled-event` or `no-open-id` (docs/sources.md lists them).")),
    lastIgnoredAt: timestamp("When the latest was answered."),
    lastReason: text("Why the latest was not queued."),
    lastEventType: z.nullable(text("The latest one's event type, when it could be read.")),
  }),
);

/** One storefront source's ignored events. */
export type SourceView = z.output<typeof SourceViewSchema>;

/**
 * Live figures of the dispatcher, as `GET /v1/status` shows them: everything to an admin key; to a
 * caller key, what is its own (its backlog, its requests on the wire and their results, its entry in
 * `callers`, its jobs) and what all callers share and that paces its own work (the pace and its
 * adaptations, the hold without who paused, the storage against its cap) — never another caller's figures.
 */
export const DispatcherStatusSchema = z.strictObject({
  pace: z
    .strictObject({
      configuredRps: z.number().check(z.describe("ALIPAY_MAX_RPS, in requests per second.")),
      liveRps: z
        .number()
        .check(z.describe("The pace in force, lowered after REQUEST_TRAFFIC_EXCEED_LIMIT and recovering slowly.")),
      sentLastSecond: count("Requests sent in the last 1000 ms."),
      lastExceedAt: z.nullable(timestamp("When AlipayHK last answered REQUEST_TRAFFIC_EXCEED_LIMIT.")),
    })
    .check(z.describe("Configured and live pace: the clientId's, shared by every caller.")),
  backlog: z
    .strictObject({
      notifications: count("Queued and on the wire."),
      queued: count("Waiting for a request (due now, or later: `sendAfter`, a retry's backoff)."),
      due: count("Of `queued`, due now."),
      delayed: count("Of `queued`, not due yet: waiting for `sendAfter` or a retry's backoff."),
      etaSeconds: z
        .number()
        .check(
          z.gte(0),
          z.describe(
            "Estimated seconds until the backlog is sent: in full requests at the live pace (admin), or at the caller's fair share of each request (caller).",
          ),
        ),
      oldestDueSeconds: z
        .number()
        .check(
          z.gte(0),
          z.describe(
            "Seconds the oldest notification due now has waited since it fell due (its job's creation or `sendAfter`, or its retry time); 0 with nothing due.",
          ),
        ),
    })
    .check(
      z.describe(
        "Work stored and not yet settled: every caller's for an admin key, the caller's own for a caller key.",
      ),
    ),
  inFlight: count("Requests waiting for AlipayHK's answer now (for a caller key: those carrying its notifications)."),
  callers: z
    .array(
      z.strictObject({
        caller: text("The caller's owner id (`key:…`, `caller:<name>`, `webhook:…`)."),
        weight: z.number().check(z.describe("Its weight in the fair share (RELAY_CALLERS; 1 by default).")),
        due: count("Notifications due now."),
        queued: count("Notifications queued in all."),
        share: z
          .number()
          .check(
            z.gte(0),
            z.lte(1),
            z.describe("Its share of each request's 100 places now, 0..1 (0 with nothing due)."),
          ),
        runs: count(
          "Stored runs it holds (a job's consecutive notifications, at most 100 each): what RELAY_MAX_BACKLOG_BATCHES counts.",
        ),
        backlogShare: count(
          "Its weighted share of RELAY_MAX_BACKLOG_BATCHES among the callers holding work, in runs: beyond it, new work is refused while the backlog is in its last quarter (0 while no other caller holds work).",
        ),
      }),
    )
    .check(
      z.describe(
        "Callers with work queued and their fair share: each request's 100 places are shared between the callers with work due, by weight, a caller with less due than its share leaving the rest to the others; the caller's own entry only, or every caller's for an admin key.",
      ),
    ),
  results: z
    .record(z.string(), count())
    .check(
      z.describe(
        "Attempts per result code over the last `resultWindowSeconds`: every request's for an admin key; for a caller key, the requests that carried its notifications.",
      ),
    ),
  resultWindowSeconds: count(),
  resultsSince: timestamp(
    "Where `results` and `sendsPerSecond` begin: `resultWindowSeconds` ago, or when the dispatcher started if later (they are kept in memory; nothing is known before it).",
  ),
  sendsPerSecond: z
    .array(
      z.strictObject({
        at: count("Start of the second, in ms since the Unix epoch."),
        sends: count(),
        exceeded: count("Of which answered REQUEST_TRAFFIC_EXCEED_LIMIT."),
        codes: z.record(z.string(), count()).check(z.describe("The requests of that second by result code.")),
      }),
    )
    .check(
      z.describe(
        "Requests per whole second since `resultsSince` (for a caller key: those that carried its notifications); a second left out had none (before `resultsSince` nothing is known).",
      ),
    ),
  recentJobs: z
    .array(
      z.strictObject({
        jobId: JobIdSchema,
        status: JobStatusSchema,
        total: count(),
        succeeded: count(),
        failed: count(),
        cancelled: count(),
        expired: count(),
        deduplicated: count(),
        createdAt: timestamp(),
      }),
    )
    .check(z.describe("The latest jobs, newest first: the caller's own, or every caller's for an admin key.")),
  adaptations: z
    .array(z.strictObject({ at: timestamp(), liveRps: z.number(), reason: z.string() }))
    .check(z.describe("Recent changes of the live pace, oldest first.")),
  hold: z.nullable(HoldSchema).check(z.describe("Why sending is held; null while it flows.")),
  storage: z
    .strictObject({
      bytes: count("Size of the outbox database."),
      capBytes: count("RELAY_STORAGE_CAP_BYTES."),
    })
    .check(
      z.describe(
        "The outbox's size against its cap, shared by every caller: new work that would pass it is refused (503 `storage-full`); /healthz is degraded above 80 % of it.",
      ),
    ),
  sources: z
    .array(SourceViewSchema)
    .check(
      z.describe(
        "Storefront sources (RELAY_SOURCES) with verified events answered 2xx but not queued, by reason, counted since the outbox was created; an admin key only (a caller's key gets an empty list).",
      ),
    ),
});

/** Why the relay is degraded, as the dispatcher reports it. */
export const DegradedReasonSchema = described(
  "Why sending is impaired though the configuration is valid.",
  z.strictObject({
    reason: z.enum(["breaker-open", "paused", "client-id-mismatch", "storage-near-cap"]),
    detail: z.string(),
  }),
);

/** Why the relay is degraded, as the dispatcher reports it. */
export type DegradedReason = z.output<typeof DegradedReasonSchema>;

/** Live figures of the dispatcher. */
export type DispatcherStatus = z.output<typeof DispatcherStatusSchema>;

/** The engine's answer to a submit. */
export type SubmitResult =
  | { kind: "created"; job: JobView; estimatedSeconds: number }
  | { kind: "existing"; job: JobView; estimatedSeconds: number }
  | { kind: "idempotency-mismatch" }
  | { kind: "webhook-replayed" }
  | BacklogFull
  | { kind: "storage-full"; retryAfterSeconds: number; bytes: number; capBytes: number }
  | { kind: "callbacks-pending"; retryAfterSeconds: number; pending: number; limit: number };

/**
 * The backlog has no room for the request: it is full (`backlogRuns` of `limit` stored runs), or the
 * caller holds more than its share (`callerRuns` beyond `callerShare`) while the backlog is in its reserve.
 */
export interface BacklogFull {
  kind: "backlog-full";
  retryAfterSeconds: number;
  backlogRuns: number;
  limit: number;
  callerRuns?: number;
  callerShare?: number;
}

/** A refusal of new work that passes with time: its kind and when to try again. */
export type Refusal = Extract<SubmitResult, { retryAfterSeconds: number }>;
