import { Hono, type Context } from "hono";
import { parseSubmission } from "../../core/submission";
import type { JobView, SubmitResult } from "../../dispatcher/types";
import { logEvent } from "../../log";
import { isJobId, newJobId } from "../../security/owner";
import { authenticate, authenticateBearer, authenticateWebhook, isWebhookRequest } from "../auth";
import { isJsonContentType, preferWaitSeconds, readBodyText } from "../body";
import type { RelayEnv } from "../env";
import { problem } from "../problem";
import { submissionProblem } from "../submission-problem";

/** How often a `Prefer: wait` request looks at its job, in ms. */
const WAIT_POLL_MS = 100;

/** `POST /v1/notifications` and `GET /v1/notifications/{jobId}`. */
export const notifications = new Hono<RelayEnv>();

notifications.post("/", async (c) => {
  const { config } = c.var.runtime;
  // A bearer key is checked before the body is read; a webhook signature needs the body first.
  const bearer = isWebhookRequest(c) ? null : await authenticateBearer(c);
  if (bearer && !bearer.ok) return problem(c, "unauthorized", bearer.detail, {}, { "WWW-Authenticate": "Bearer" });
  if (!bearer && !config.webhookSecret) {
    // Refused before reading the body: without a secret no signature can ever verify.
    return problem(c, "unauthorized", "Webhook signatures are not enabled on this relay; use a bearer key.", {}, { "WWW-Authenticate": "Bearer" });
  }
  if (!isJsonContentType(c.req.header("content-type"))) {
    return problem(c, "unsupported-media-type", "Send the body as `Content-Type: application/json`.");
  }
  const idempotencyKey = c.req.header("idempotency-key");
  if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
    return problem(c, "invalid-idempotency-key", "Idempotency-Key must be 1 to 255 visible ASCII characters.");
  }
  const body = await readBodyText(c.req.raw, config.maxBodyBytes);
  if (!body.ok) {
    return body.problem === "too-large"
      ? problem(c, "payload-too-large", `The body may be at most ${config.maxBodyBytes} bytes.`)
      : problem(c, "malformed-json", "The body is not valid UTF-8.");
  }
  const caller = bearer ?? authenticateWebhook(c, body.bytes, Math.floor(Date.now() / 1000));
  if (!caller.ok) return problem(c, "unauthorized", caller.detail, {}, { "WWW-Authenticate": "Bearer" });

  const submission = await parseSubmission(body.text, config.merchantId, { maxNotifications: config.maxNotificationsPerRequest });
  if (!submission.ok) return submissionProblem(c, submission);
  const { batches } = submission;
  if (batches.length > config.maxBacklogBatches) {
    // It could never fit, however long the caller waits: not a 429.
    return problem(
      c,
      "too-many-notifications",
      `${batches.length} batches is more than the whole backlog may hold (${config.maxBacklogBatches}). Split the request.`,
      { limit: config.maxBacklogBatches * 100 },
    );
  }
  const dispatcher = c.env.DISPATCHER.getByName(config.clientId);
  let result: SubmitResult;
  try {
    result = await dispatcher.submit({
      jobId: newJobId(),
      owner: caller.owner,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      ...(caller.webhookId !== undefined ? { webhookId: caller.webhookId } : {}),
      bodyHash: await sha256Hex(body.bytes),
      merchantId: submission.merchantId,
      batches,
    });
  } catch (error) {
    logEvent({ event: "submit_failed", error: error instanceof Error ? error.message : String(error) });
    return problem(c, "unavailable", "The dispatcher did not answer; retry with the same Idempotency-Key.", {}, { "Retry-After": "1" });
  }

  switch (result.kind) {
    case "idempotency-mismatch":
      return problem(c, "idempotency-key-reused", "This Idempotency-Key was already used with a different body.");
    case "webhook-replayed":
      return problem(c, "webhook-replayed", "This webhook-id was already received; nothing was queued.");
    case "backlog-full":
      return problem(
        c,
        "backlog-full",
        `The backlog holds ${result.backlogBatches} batches; retry in ${result.retryAfterSeconds} s.`,
        { retryAfterSeconds: result.retryAfterSeconds },
        { "Retry-After": String(result.retryAfterSeconds) },
      );
  }

  const location = `/v1/notifications/${result.job.jobId}`;
  c.header("Location", location);
  if (result.kind === "existing") c.header("Idempotent-Replayed", "true");
  const wait = preferWaitSeconds(c.req.header("prefer"));
  if (wait !== null) {
    const seconds = Math.min(wait, config.maxWaitSeconds);
    c.header("Preference-Applied", `wait=${seconds}`);
    const done = await waitForCompletion(c, caller.owner, result.job, seconds * 1000);
    if (done.status === "completed") return c.json(done, 200);
  }
  const estimatedSeconds = result.estimatedSeconds;
  return c.json(
    {
      jobId: result.job.jobId,
      status: result.job.status,
      total: result.job.total,
      batches: result.job.batches.length,
      estimatedSeconds,
      estimatedCompletionAt: new Date(Date.now() + estimatedSeconds * 1000).toISOString(),
    },
    202,
  );
});

notifications.get("/:jobId", async (c) => {
  const caller = await authenticate(c);
  if (!caller.ok) return problem(c, "unauthorized", caller.detail, {}, { "WWW-Authenticate": "Bearer" });
  const jobId = c.req.param("jobId");
  const job = isJobId(jobId)
    ? await c.env.DISPATCHER.getByName(c.var.runtime.config.clientId).getJob(caller.owner, jobId)
    : null;
  // Someone else's job and no job at all look the same: ids are not an oracle.
  if (!job) return problem(c, "not-found", "No such job for these credentials.");
  return c.json(job);
});

/**
 * Polls the job until it completes or the budget runs out. The job is already stored, so a failed poll
 * only ends the wait: the caller then gets the usual 202, never an error for work that was accepted.
 */
async function waitForCompletion(c: Context<RelayEnv>, owner: string, job: JobView, budgetMs: number): Promise<JobView> {
  const deadline = Date.now() + budgetMs;
  const dispatcher = c.env.DISPATCHER.getByName(c.var.runtime.config.clientId);
  let current = job;
  while (current.status !== "completed" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_POLL_MS, deadline - Date.now())));
    try {
      current = (await dispatcher.getJob(owner, job.jobId)) ?? current;
    } catch (error) {
      logEvent({ event: "wait_poll_failed", jobId: job.jobId, error: error instanceof Error ? error.message : String(error) });
      return current;
    }
  }
  return current;
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer> | Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
