/**
 * The shapes of the relay's answers, as zod schemas: the OpenAPI document is generated from them and the
 * tests parse real responses with them. Success bodies are strict objects, so a field added to a response
 * without being documented here makes the tests fail; the TypeScript types the dispatcher and config
 * produce are checked against these schemas at compile time (see the end of this file).
 */
import { z } from "zod";
import type { ConfigError, ConfigSummary } from "../config";
import type { DispatcherStatus, JobView } from "../engine/types";
import { JOB_ID_PATTERN } from "../security/owner";
import { PROBLEMS, type ProblemBody, type ProblemCode } from "./problem";

const count = () => z.number().int().nonnegative();
const timestamp = () => z.iso.datetime({ offset: true });

/** A job id: `job_` and 128 random bits in base64url (see `newJobId`). */
export const JobIdSchema = z
  .string()
  .regex(JOB_ID_PATTERN)
  .describe("Unguessable job id; a job is readable only with the credentials that created it.")
  .meta({ example: "job_Vv3mQk1nZ8r2Xc0pLs9TaA" });

/** A job's lifecycle: `completed` once every batch has succeeded or failed for good. */
export const JobStatusSchema = z
  .enum(["queued", "running", "completed"])
  .describe("`queued` until a batch is attempted, `running` while batches are open, `completed` once every batch settled.");

/** One problem with the request body; `index` is present when it concerns one notification. */
export const RequestErrorSchema = z
  .strictObject({
    index: count().optional().describe("Position of the notification in `notifications`, from 0."),
    field: z.string().describe("The member at fault, e.g. `templateValue`, or `(element)` for the whole element."),
    problem: z.string().describe("What is wrong with it."),
  })
  .meta({ example: { index: 3, field: "templateCode", problem: "is required" } });

const problemCodes = Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]];

/** RFC 9457 problem details with the relay's stable `code`; extension members depend on the code. */
export const ProblemSchema = z
  .looseObject({
    type: z.string().describe("`urn:alipay-notify-relay:problem:<code>`."),
    title: z.string().describe("A short summary that is the same for every occurrence of the code."),
    status: z.number().int().describe("The HTTP status code, repeated."),
    code: z.enum(problemCodes).describe("Stable, machine-readable reason; branch on this, not on `title`."),
    detail: z.string().optional().describe("What happened in this occurrence."),
    errors: z.array(RequestErrorSchema).optional().describe("`invalid-request` only: every problem found."),
    limit: count().optional().describe("`too-many-notifications` only: most notifications per request."),
    retryAfterSeconds: count().optional().describe("`backlog-full` only: seconds to wait, as in Retry-After."),
    settings: z.array(z.string()).optional().describe("`not-configured` only: the settings at fault."),
  })
  .describe("An error, as RFC 9457 `application/problem+json`.");

/** The 202 answer to `POST /v1/notifications`. */
export const SubmitAcceptedSchema = z
  .strictObject({
    jobId: JobIdSchema,
    status: JobStatusSchema,
    total: count().describe("Notifications accepted."),
    batches: count().describe("Requests to AlipayHK they were packed into (at most 100 notifications each)."),
    estimatedSeconds: z.number().nonnegative().describe("Estimated time until the job completes at the current pace, in seconds."),
    estimatedCompletionAt: timestamp().describe("The same estimate as a point in time."),
  })
  .describe("The job was stored durably and will be sent; follow `Location` for its progress.");

/** One batch of a job: one request to AlipayHK, possibly attempted several times. */
export const BatchViewSchema = z.strictObject({
  seq: count().describe("Position of the batch in the job, from 0."),
  size: count().describe("Notifications in the batch."),
  status: z.enum(["queued", "sending", "succeeded", "failed"]),
  attempts: count().describe("Sends so far (traffic-limit refusals included)."),
  reqMsgId: z.string().nullable().describe("reqMsgId of the latest attempt; null before the first."),
  resultStatus: z.string().nullable().describe("AlipayHK's resultStatus of the latest answer: S, F or U."),
  resultCode: z.string().nullable().describe("AlipayHK's resultCode, or a relay code such as TIMEOUT."),
  resultMsg: z.string().nullable(),
});

/** A job as `GET /v1/notifications/{jobId}` shows it. */
export const JobViewSchema = z
  .strictObject({
    jobId: JobIdSchema,
    status: JobStatusSchema,
    merchantId: z.string(),
    total: count(),
    succeeded: count(),
    failed: count(),
    pending: count().describe("Neither succeeded nor failed yet; 0 once `completed`."),
    createdAt: timestamp(),
    completedAt: timestamp().nullable(),
    batches: z.array(BatchViewSchema),
    failures: z
      .array(z.strictObject({ openId: z.string(), resultCode: z.string(), resultMsg: z.string() }))
      .describe("Every notification that failed for good, with the reason."),
  })
  .describe("A job's progress. When `status` is `completed`, `succeeded + failed = total`.");

/** The secret-free summary of the relay's configuration (`describeConfig`). */
export const ConfigSummarySchema = z
  .strictObject({
    clientId: z.string(),
    merchantId: z.string().nullable().describe("Default merchantId, or null when callers must name one."),
    gatewayHost: z.string().describe("Host of ALIPAY_GATEWAY_URL (the path and query are not shown)."),
    signAlgorithm: z.enum(["RSA", "RSA2"]),
    maxRps: z.number().positive().describe("ALIPAY_MAX_RPS: requests per second AlipayHK allows."),
    apiKeys: count().describe("How many bearer keys are configured (never the keys)."),
    webhook: z.boolean().describe("Whether Standard Webhooks signatures are accepted."),
    limits: z.strictObject({
      maxNotificationsPerRequest: count(),
      maxBodyBytes: count(),
      maxBacklogBatches: count(),
      maxInFlight: count(),
      paceGuardMs: count(),
      sendTimeoutMs: count(),
      maxAttempts: count(),
      retryBaseMs: count(),
      retryMaxMs: count(),
      maxWaitSeconds: count(),
      jobRetentionHours: count(),
      breakerProbeSeconds: count(),
      storageCapBytes: count(),
      utcOffsetMinutes: z.number().int(),
    }),
  })
  .describe("The relay's settings, without key material or tokens.");

/** Live figures of the dispatcher, as `GET /v1/status` shows them next to the configuration. */
export const DispatcherStatusSchema = z.strictObject({
  pace: z
    .strictObject({
      configuredRps: z.number().describe("ALIPAY_MAX_RPS, in requests per second."),
      liveRps: z.number().describe("The pace in force, lowered after REQUEST_TRAFFIC_EXCEED_LIMIT and recovering slowly."),
      sentLastSecond: count().describe("Requests sent in the last 1000 ms."),
      lastExceedAt: timestamp().nullable().describe("When AlipayHK last answered REQUEST_TRAFFIC_EXCEED_LIMIT."),
    })
    .describe("Configured and live pace."),
  backlog: z
    .strictObject({
      batches: count(),
      notifications: count(),
      etaSeconds: z.number().nonnegative().describe("Estimated seconds until the backlog is sent, at the live pace."),
    })
    .describe("Work stored and not yet settled."),
  inFlight: count().describe("Sends waiting for AlipayHK's answer now."),
  results: z.record(z.string(), count()).describe("Attempts per result code over the last `resultWindowSeconds`."),
  resultWindowSeconds: count(),
  sendsPerSecond: z
    .array(
      z.strictObject({
        at: count().describe("Start of the second, in ms since the Unix epoch."),
        sends: count(),
        exceeded: count().describe("Of which answered REQUEST_TRAFFIC_EXCEED_LIMIT."),
      }),
    )
    .describe("Requests per whole second over the window; seconds without any are left out."),
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
    .describe("The latest jobs of every caller, newest first."),
  adaptations: z
    .array(z.strictObject({ at: timestamp(), liveRps: z.number(), reason: z.string() }))
    .describe("Recent changes of the live pace, oldest first."),
  hold: z
    .strictObject({
      kind: z.enum(["setup", "unverified", "outage", "paused", "client-mismatch"]),
      reason: z.string(),
      since: timestamp(),
      nextProbeAt: timestamp().nullable().describe("When the next probe request may leave; null when none will until someone acts."),
    })
    .nullable()
    .describe("Why sending is held (circuit breaker, operator pause, clientId mismatch); null while it flows."),
  storage: z
    .strictObject({ bytes: count().describe("Size of the outbox database."), capBytes: count().describe("RELAY_STORAGE_CAP_BYTES.") })
    .describe("The outbox's size against its cap."),
});

/** `GET /v1/status`: the configuration summary and the live figures. */
export const StatusSchema = z
  .strictObject({ relay: ConfigSummarySchema, ...DispatcherStatusSchema.shape })
  .describe("The relay's configuration, pace, backlog and recent results.");

/** A setting that is missing or wrong, named without its value. */
export const ConfigErrorSchema = z.strictObject({ setting: z.string(), problem: z.string() });

/** `GET /healthz` when the configuration is usable. */
export const HealthOkSchema = z
  .strictObject({ status: z.literal("ok"), relay: ConfigSummarySchema })
  .describe("The configuration parsed and both keys imported.");

/** `GET /healthz` when it is not: every bad setting, never a secret. */
export const HealthMisconfiguredSchema = z
  .strictObject({ status: z.literal("misconfigured"), errors: z.array(ConfigErrorSchema) })
  .describe("The relay cannot serve /v1 until these settings are fixed.");

// Compile-time proof that the documented shapes are the ones the code produces.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Status = { relay: ConfigSummary } & DispatcherStatus;
const consistent: [
  Same<z.output<typeof JobViewSchema>, JobView>,
  Same<z.output<typeof DispatcherStatusSchema>, DispatcherStatus>,
  Same<z.output<typeof ConfigSummarySchema>, ConfigSummary>,
  Same<z.output<typeof ConfigErrorSchema>, ConfigError>,
  z.output<typeof StatusSchema> extends Status ? (Status extends z.output<typeof StatusSchema> ? true : false) : false,
  ProblemBody extends z.input<typeof ProblemSchema> ? true : false,
] = [true, true, true, true, true, true];
void consistent;
