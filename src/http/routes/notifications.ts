import { Hono } from "hono";
import * as z from "zod/mini";
import { isJobId } from "../../security/owner";
import type { RelayEnv } from "../env";
import { bearerAuth, submitAuth } from "../middleware/auth";
import { readBody } from "../middleware/body";
import { idempotencyKey } from "../middleware/idempotency";
import { jsonContentType } from "../middleware/json";
import { EXAMPLE_ACCEPTED, EXAMPLE_CANCELLED_JOB, EXAMPLE_JOB, SUBMIT_EXAMPLES } from "../openapi/examples";
import { documented } from "../openapi/route";
import { JobViewSchema, SubmitAcceptedSchema } from "../openapi/schemas";
import { problem } from "../problem";
import { SubmitBodySchema } from "../schemas";
import { answerSubmit, appliedWaitSeconds, submitJob, waitForCompletion } from "../submit";

// The request body's schema (composed from the core's rules and the delivery policies) becomes the
// document's `SubmitBody` component.
z.globalRegistry.add(SubmitBodySchema, { id: "SubmitBody" });

/** `POST /v1/notifications`, `GET` and `DELETE /v1/notifications/{jobId}`. */
export const notifications = new Hono<RelayEnv>();

notifications.post(
  "/",
  documented({
    operationId: "submitNotifications",
    tag: "Notifications",
    summary: "Queue notifications for AlipayHK",
    description:
      "Validates every notification (all or nothing: one bad element and nothing is queued), stores the job " +
      "durably and answers 202 with `Location`. The relay then sends its notifications in requests of up to 100, " +
      "assembled at each pacing slot from every caller's due work (shared fairly by caller weight), no faster " +
      "than ALIPAY_MAX_RPS, retries what is safe to retry, and records every outcome.\n\n" +
      "With `Idempotency-Key`, a retry with the same body returns the same job and sends nothing again. " +
      "Delivery policies: `sendAfter`, `expiresAt`, `onUnknown` (`retry` | `fail`), `callbackUrl`, and per " +
      "notification `dedupKey`. " +
      "With `Prefer: wait=N` the answer waits up to N seconds and is 200 with the finished job if it completed.",
    auth: "caller",
    parameters: ["IdempotencyKey", "Prefer"],
    requestBody: { schema: SubmitBodySchema, examples: SUBMIT_EXAMPLES },
    responses: {
      200: {
        description: "`Prefer: wait` was given and the job completed in time.",
        schema: JobViewSchema,
        headers: ["Location", "Idempotent-Replayed", "Preference-Applied"],
        examples: { completed: { summary: "Both notifications delivered", value: EXAMPLE_JOB } },
      },
      202: {
        description: "Accepted and stored durably; nothing accepted is lost.",
        schema: SubmitAcceptedSchema,
        headers: ["Location", "Idempotent-Replayed", "Preference-Applied"],
        examples: { queued: { summary: "A job of 250 notifications", value: EXAMPLE_ACCEPTED } },
      },
    },
    problems: [
      "invalid-request",
      "malformed-json",
      "invalid-idempotency-key",
      "unauthorized",
      "merchant-not-allowed",
      "webhook-replayed",
      "payload-too-large",
      "too-many-notifications",
      "webhooks-busy",
      "unsupported-media-type",
      "idempotency-key-reused",
      "backlog-full",
      "callbacks-pending",
      "unavailable",
      "storage-full",
      "not-configured",
      "internal-error",
    ],
  }),
  submitAuth(),
  jsonContentType(),
  idempotencyKey(),
  readBody(),
  async (c) => {
    const result = await submitJob(c);
    return result instanceof Response ? result : answerSubmit(c, result);
  },
);

notifications.get(
  "/:jobId",
  documented({
    operationId: "getJob",
    tag: "Notifications",
    summary: "Read a job's progress and outcome",
    description:
      "Counts, every batch with its latest AlipayHK result, and every failed notification with its reason. " +
      "A job is visible only to the key that created it (and to admin keys); another caller's job answers 404 " +
      "like a missing one. With `Prefer: wait=N` an unfinished job is answered when it completes or after N " +
      "seconds, whichever comes first (woken by the dispatcher, no polling).",
    auth: "bearer",
    parameters: ["JobId", "PreferWaitRead"],
    responses: {
      200: {
        description: "The job (after `Prefer: wait`, completed or as it stood when the wait ran out).",
        schema: JobViewSchema,
        headers: ["Preference-Applied"],
        examples: { completed: { summary: "A completed job", value: EXAMPLE_JOB } },
      },
    },
    problems: ["unauthorized", "not-found", "not-configured", "internal-error"],
  }),
  bearerAuth(),
  async (c) => {
    const { caller, dispatcher } = c.var;
    const jobId = c.req.param("jobId");
    const job = isJobId(jobId) ? await dispatcher.getJob(caller.admin ? null : caller.owner, jobId) : null;
    // Someone else's job and no job at all look the same: ids are not an oracle.
    if (!job) return problem(c, "not-found", "No such job for these credentials.");
    const seconds = appliedWaitSeconds(c);
    return c.json(seconds === null ? job : await waitForCompletion(c, job, seconds * 1000));
  },
);

notifications.delete(
  "/:jobId",
  documented({
    operationId: "cancelJob",
    tag: "Notifications",
    summary: "Cancel what of a job has not started",
    description:
      "Batches not yet sent become `cancelled` and are never sent; batches on the wire finish and keep their " +
      "outcome. Answers the job as it now stands (it completes once its in-flight batches settle). The job's " +
      "owner or an admin key; another caller's job answers 404 like a missing one.",
    auth: "bearer",
    parameters: ["JobId"],
    responses: {
      200: {
        description: "Cancelled: the job as it now stands.",
        schema: JobViewSchema,
        examples: { cancelled: { summary: "A cancelled job", value: EXAMPLE_CANCELLED_JOB } },
      },
    },
    problems: ["unauthorized", "not-found", "job-completed", "not-configured", "internal-error"],
  }),
  bearerAuth(),
  async (c) => {
    const { caller, dispatcher } = c.var;
    const jobId = c.req.param("jobId");
    const result = isJobId(jobId)
      ? await dispatcher.cancelJob(caller.admin ? null : caller.owner, jobId)
      : { kind: "not-found" as const };
    if (result.kind === "not-found") return problem(c, "not-found", "No such job for these credentials.");
    if (result.kind === "completed")
      return problem(c, "job-completed", "The job already completed; there is nothing left to cancel.", {
        job: result.job,
      });
    return c.json(result.job);
  },
);
