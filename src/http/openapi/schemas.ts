/**
 * The shapes of the relay's answers, as zod/mini schemas: the OpenAPI document is generated from them,
 * the tests parse real responses with them, and the response types are their `z.output`. Success bodies
 * are strict objects, so a field added to a response without being documented here fails the tests.
 */
import * as z from "zod/mini";
import { ConfigSummarySchema } from "../../config";
import {
  BatchViewSchema,
  CallbackViewSchema,
  count,
  DegradedReasonSchema,
  DispatcherStatusSchema,
  HoldSchema,
  JobIdSchema,
  JobStatusSchema,
  JobViewSchema,
  text,
  timestamp,
} from "../../engine/answers";
import { IGNORED_REASONS, type IgnoredReason } from "../../sources/outcomes";
import { PROBLEMS, type ProblemCode } from "../problem";

/** Registers `schema` as the component `id` of the OpenAPI document, with a description. */
export function component<T extends z.ZodMiniType>(id: string, description: string, schema: T): T {
  z.globalRegistry.add(schema, { id, description });
  return schema;
}

/** Names a schema the engine declared (with its description) as the component `id` of the OpenAPI document. */
function named<T extends z.ZodMiniType>(id: string, schema: T): T {
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), id });
  return schema;
}

// The engine's answers, under the names the API document gives them.
named("JobId", JobIdSchema);
named("JobStatus", JobStatusSchema);
named("BatchView", BatchViewSchema);
named("CallbackView", CallbackViewSchema);
named("JobView", JobViewSchema);
named("Hold", HoldSchema);
named("DegradedReason", DegradedReasonSchema);

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
    errors: z.optional(
      z.array(RequestErrorSchema).check(z.describe("`invalid-request` only: every problem found, at most 100.")),
    ),
    truncated: z.optional(
      z.boolean().check(z.describe("`invalid-request` only: true when more than 100 problems were found.")),
    ),
    limit: z.optional(count("`too-many-notifications` only: most notifications per request.")),
    retryAfterSeconds: z.optional(
      count("`backlog-full`, `storage-full` and `callbacks-pending` only: seconds to wait, as in Retry-After."),
    ),
    merchantId: z.optional(text("`merchant-not-allowed` only: the merchantId this caller may not use.")),
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
    batches: count(
      "The fewest AlipayHK requests that can carry them (100 notifications each); requests are assembled at each pacing slot, and may share places with other jobs' notifications.",
    ),
    estimatedSeconds: z
      .number()
      .check(z.gte(0), z.describe("Estimated time until the job completes at the current pace, in seconds.")),
    estimatedCompletionAt: timestamp("The same estimate as a point in time."),
  }),
);

/** A Standard Webhooks secret as `GET /v1/callback-secrets` gives it. */
const WHSEC = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** `GET /v1/callback-secrets`: the secrets a caller's receivers verify its completion callbacks with. */
export const CallbackSecretsSchema = component(
  "CallbackSecrets",
  "The secrets that sign one caller's completion callbacks; another caller's receivers cannot verify (or forge) them.",
  z.strictObject({
    owner: text("The caller they belong to (its owner id, as jobs record it)."),
    secrets: z
      .array(z.string().check(z.regex(WHSEC)))
      .check(
        z.describe(
          "`whsec_` + base64, one per RELAY_CALLBACK_SECRET entry, in the configured order: every callback carries " +
            "one `v1,` signature per entry, so holding any one verifies it. Empty when callbacks are not enabled.",
        ),
      ),
  }),
);

const sourceName = text("The source's name (RELAY_SOURCES), as in the path.");
const eventType = z.nullable(
  text("The event type: Shopify topic, Stripe event type, WooCommerce topic, Standard Webhooks `type`."),
);
const deliveryId = z.nullable(
  text(
    "The provider's id of the delivery (X-Shopify-Webhook-Id, Stripe's event id, X-WC-Webhook-Delivery-ID, webhook-id).",
  ),
);

/** The 202 answer to a storefront event that became a job. */
export const SourceQueuedSchema = component(
  "SourceQueued",
  "The event became one notification, stored durably before this answer; a redelivery gets the same job.",
  z.strictObject({
    outcome: z.literal("queued"),
    source: sourceName,
    eventType: text("The event type."),
    deliveryId,
    jobId: JobIdSchema,
    status: JobStatusSchema,
    total: count("Notifications in the job (1)."),
  }),
);

const reasons = Object.keys(IGNORED_REASONS) as [IgnoredReason, ...IgnoredReason[]];

/** The 200 answer to a verified event that was not queued, or to WooCommerce's ping. */
export const SourceIgnoredSchema = component(
  "SourceIgnored",
  "A verified event that was not queued, answered 2xx so that the provider neither retries nor disables the " +
    "webhook; the reason is counted per source. Reasons: " +
    Object.entries(IGNORED_REASONS)
      .map(([reason, meaning]) => `\`${reason}\` (${meaning})`)
      .join(", ") +
    ".",
  z.strictObject({
    outcome: z.literal("ignored"),
    source: sourceName,
    eventType,
    deliveryId,
    reason: z.enum(reasons),
    detail: text("What was wrong, naming the field (never its value)."),
  }),
);

/** The 200 answer to the unsigned `webhook_id=N` ping WooCommerce sends when a webhook is saved. */
export const SourcePingSchema = component(
  "SourcePing",
  "WooCommerce's ping when a webhook is created (it needs a 200); nothing is queued or counted.",
  z.strictObject({ outcome: z.literal("ping"), source: sourceName }),
);

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

export {
  BatchViewSchema,
  DegradedReasonSchema,
  DispatcherStatusSchema,
  HoldSchema,
  JobIdSchema,
  JobStatusSchema,
  JobViewSchema,
};
export type { DegradedReason, DispatcherStatus, JobView } from "../../engine/answers";
