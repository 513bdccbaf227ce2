/**
 * The shapes of the relay's answers, as zod/mini schemas: the OpenAPI document is generated from them,
 * the tests parse real responses with them, and the response types are their `z.output`. Success bodies
 * are strict objects, so a field added to a response without being documented here fails the tests.
 */
import * as z from "zod/mini";
import { ConfigSummarySchema } from "../../config";
import { JOB_ID_PATTERN } from "../../security/owner";
import { PROBLEMS, type ProblemCode } from "../problem";

/** Registers `schema` as the component `id` of the OpenAPI document, with a description. */
function component<T extends z.ZodMiniType>(id: string, description: string, schema: T): T {
  z.globalRegistry.add(schema, { id, description });
  return schema;
}

const count = (description?: string) => {
  const schema = z.int().check(z.gte(0));
  return description ? schema.check(z.describe(description)) : schema;
};
const timestamp = (description?: string) => {
  const schema = z.iso.datetime({ offset: true });
  return description ? schema.check(z.describe(description)) : schema;
};
const text = (description: string) => z.string().check(z.describe(description));

/** A job id: `job_` and 128 random bits in base64url (see `newJobId`). */
export const JobIdSchema = component(
  "JobId",
  "Unguessable job id; a job is readable only with the credentials that created it (or an admin key).",
  z.string().check(z.regex(JOB_ID_PATTERN)),
);

/** A job's lifecycle: `completed` once every batch has succeeded or failed for good. */
export const JobStatusSchema = component(
  "JobStatus",
  "`queued` until a batch is attempted, `running` while batches are open, `completed` once every batch settled.",
  z.enum(["queued", "running", "completed"]),
);

/** One problem with the request body; `index` is present when it concerns one notification. */
export const RequestErrorSchema = component(
  "RequestError",
  "One problem with the request body.",
  z.strictObject({
    index: z.optional(count("Position of the notification in `notifications`, from 0.")),
    field: text("The member at fault, e.g. `templateValue`, or `(element)` for the whole element."),
    problem: text("What is wrong with it."),
  }),
);

const problemCodes = Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]];

/** RFC 9457 problem details with the relay's stable `code`; extension members depend on the code. */
export const ProblemSchema = component(
  "Problem",
  "An error, as RFC 9457 `application/problem+json`.",
  z.looseObject({
    type: text("`urn:alipay-notify-relay:problem:<code>`."),
    title: text("A short summary that is the same for every occurrence of the code."),
    status: z.int().check(z.describe("The HTTP status code, repeated.")),
    code: z.enum(problemCodes).check(z.describe("Stable, machine-readable reason; branch on this, not on `title`.")),
    detail: z.optional(text("What happened in this occurrence.")),
    errors: z.optional(z.array(RequestErrorSchema).check(z.describe("`invalid-request` only: every problem found."))),
    limit: z.optional(count("`too-many-notifications` only: most notifications per request.")),
    retryAfterSeconds: z.optional(count("`backlog-full` only: seconds to wait, as in Retry-After.")),
    settings: z.optional(z.array(z.string()).check(z.describe("`not-configured` only: the settings at fault."))),
  }),
);

/** The 202 answer to `POST /v1/notifications`. */
export const SubmitAcceptedSchema = component(
  "SubmitAccepted",
  "The job was stored durably and will be sent; follow `Location` for its progress.",
  z.strictObject({
    jobId: JobIdSchema,
    status: JobStatusSchema,
    total: count("Notifications accepted."),
    batches: count("Requests to AlipayHK they were packed into (at most 100 notifications each)."),
    estimatedSeconds: z
      .number()
      .check(z.gte(0), z.describe("Estimated time until the job completes at the current pace, in seconds.")),
    estimatedCompletionAt: timestamp("The same estimate as a point in time."),
  }),
);

/** One batch of a job: one request to AlipayHK, possibly attempted several times. */
export const BatchViewSchema = component(
  "BatchView",
  "One request to AlipayHK, possibly attempted several times.",
  z.strictObject({
    seq: count("Position of the batch in the job, from 0."),
    size: count("Notifications in the batch."),
    status: z.enum(["queued", "sending", "succeeded", "failed"]),
    attempts: count("Sends so far (traffic-limit refusals included)."),
    reqMsgId: z.nullable(text("reqMsgId of the latest attempt; null before the first.")),
    resultStatus: z.nullable(text("AlipayHK's resultStatus of the latest answer: S, F or U.")),
    resultCode: z.nullable(text("AlipayHK's resultCode, or a relay code such as TIMEOUT.")),
    resultMsg: z.nullable(z.string()),
  }),
);

/** A job as `GET /v1/notifications/{jobId}` shows it. */
export const JobViewSchema = component(
  "JobView",
  "A job's progress. When `status` is `completed`, `succeeded + failed = total`.",
  z.strictObject({
    jobId: JobIdSchema,
    status: JobStatusSchema,
    merchantId: z.string(),
    total: count(),
    succeeded: count(),
    failed: count(),
    pending: count("Neither succeeded nor failed yet; 0 once `completed`."),
    createdAt: timestamp(),
    completedAt: z.nullable(timestamp()),
    batches: z.array(BatchViewSchema),
    failures: z
      .array(z.strictObject({ openId: z.string(), resultCode: z.string(), resultMsg: z.string() }))
      .check(z.describe("Every notification that failed for good, with the reason.")),
  }),
);

/** A job as the relay answers it. */
export type JobView = z.output<typeof JobViewSchema>;

/** Live figures of the dispatcher, as `GET /v1/status` shows them. */
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
    .check(z.describe("Configured and live pace.")),
  backlog: z
    .strictObject({
      batches: count(),
      notifications: count(),
      etaSeconds: z
        .number()
        .check(z.gte(0), z.describe("Estimated seconds until the backlog is sent, at the live pace.")),
    })
    .check(z.describe("Work stored and not yet settled.")),
  inFlight: count("Sends waiting for AlipayHK's answer now."),
  results: z
    .record(z.string(), count())
    .check(z.describe("Attempts per result code over the last `resultWindowSeconds`.")),
  resultWindowSeconds: count(),
  sendsPerSecond: z
    .array(
      z.strictObject({
        at: count("Start of the second, in ms since the Unix epoch."),
        sends: count(),
        exceeded: count("Of which answered REQUEST_TRAFFIC_EXCEED_LIMIT."),
      }),
    )
    .check(z.describe("Requests per whole second over the window; seconds without any are left out.")),
  recentJobs: z
    .array(
      z.strictObject({
        jobId: JobIdSchema,
        status: JobStatusSchema,
        total: count(),
        succeeded: count(),
        failed: count(),
        createdAt: timestamp(),
      }),
    )
    .check(z.describe("The latest jobs, newest first: the caller's own, or every caller's for an admin key.")),
  adaptations: z
    .array(z.strictObject({ at: timestamp(), liveRps: z.number(), reason: z.string() }))
    .check(z.describe("Recent changes of the live pace, oldest first.")),
});

/** `GET /v1/status`: the live figures, and the configuration summary for an admin key. */
export const StatusSchema = component(
  "Status",
  "The relay's pace, backlog and recent results; `relay` (the settings) for an admin key only.",
  z.strictObject({ relay: z.optional(ConfigSummarySchema), ...DispatcherStatusSchema.shape }),
);

/** A setting that is missing or wrong, named without its value. */
export const ConfigErrorSchema = component(
  "ConfigError",
  "A setting that is missing or wrong, named without its value.",
  z.strictObject({ setting: z.string(), problem: z.string() }),
);

/** Why the relay is degraded, as the dispatcher reports it. */
export const DegradedReasonSchema = component(
  "DegradedReason",
  "Why sending is impaired though the configuration is valid.",
  z.strictObject({
    reason: z.enum(["breaker-open", "client-id-mismatch", "storage-near-cap"]),
    detail: z.string(),
  }),
);

/** `GET /healthz`: the status for anyone; the details for an admin key. */
export const HealthSchema = component(
  "Health",
  "`ok`, `degraded` (sending impaired) or `misconfigured`; with an admin key, the reasons and the settings (never key material).",
  z.strictObject({
    status: z.enum(["ok", "degraded", "misconfigured"]),
    errors: z.optional(z.array(ConfigErrorSchema)),
    degraded: z.optional(z.array(DegradedReasonSchema)),
    relay: z.optional(ConfigSummarySchema),
  }),
);

/** What `/healthz` answers. */
export type Health = z.output<typeof HealthSchema>;
