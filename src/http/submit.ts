/** `POST /v1/notifications` past its middleware: parse the body, store the job, shape the answer. */
import type { Context } from "hono";
import { parseSubmission } from "../core/submission";
import type { SubmitResult } from "../engine/api";
import { logEvent } from "../log";
import { mayUseMerchant } from "../security/callers";
import { newJobId } from "../security/owner";
import type { RelayEnv } from "./env";
import type { JobView } from "./openapi/schemas";
import { openRuns } from "../engine/decide/admission";
import { problem } from "./problem";
import { refusalProblem } from "./refusal";
import { submissionProblem } from "./submission-problem";
import { parseSubmitPolicies } from "./submit-policies";

/** Validates the body (all or nothing) and hands the job to the dispatcher; a problem response on refusal. */
export async function submitJob(c: Context<RelayEnv>): Promise<Response | SubmitResult> {
  const { config } = c.var.runtime;
  // One pass over the body's text, in slices that yield: object templateValues keep their exact JSON.
  const submission = await parseSubmission(c.var.body.text, config.merchantId, {
    maxNotifications: config.maxNotificationsPerRequest,
  });
  const callbacks = {
    signing: config.callbackSecret !== undefined,
    allowLocal: config.callbackAllowLocal,
    hosts: config.callbackHosts,
  };
  const maxSendAfterMs = config.maxSendAfterHours * 3_600_000;
  if (!submission.ok) {
    if (submission.kind !== "invalid-request") return submissionProblem(c, submission);
    // Every problem in one answer: the policies' first, then the body's.
    const policyErrors = parseSubmitPolicies(submission.policies, Date.now(), callbacks, maxSendAfterMs);
    const errors = policyErrors.ok ? submission.errors : [...policyErrors.errors, ...submission.errors];
    return submissionProblem(c, { ...submission, errors });
  }
  const { batches } = submission;
  const policies = parseSubmitPolicies(submission.policies, Date.now(), callbacks, maxSendAfterMs);
  if (!policies.ok)
    return submissionProblem(c, {
      ok: false,
      kind: "invalid-request",
      errors: policies.errors,
      truncated: false,
      policies: {},
    });
  const { caller, idempotencyKey } = c.var;
  if (!mayUseMerchant(config, caller.name, submission.merchantId)) {
    // RELAY_CALLERS lists this caller's merchants; nothing is queued for another one.
    return problem(
      c,
      "merchant-not-allowed",
      `This caller may not submit for merchantId ${submission.merchantId}; nothing was queued.`,
      {
        merchantId: submission.merchantId,
      },
    );
  }
  const fitting = openRuns(config.maxBacklogBatches);
  if (batches.length > fitting) {
    // It could never fit, however long the caller waits (even an empty backlog keeps its reserve): not a 429.
    const detail = `${batches.length} batches is more than one request may take of the backlog (${fitting} of RELAY_MAX_BACKLOG_BATCHES). Split the request.`;
    return problem(c, "too-many-notifications", detail, { limit: fitting * 100 });
  }
  try {
    return await c.var.dispatcher.submit({
      jobId: newJobId(),
      owner: caller.owner,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      ...(caller.webhookId !== undefined ? { webhookId: caller.webhookId } : {}),
      bodyHash: await sha256Hex(c.var.body.bytes),
      merchantId: submission.merchantId,
      batches,
      ...policies.request,
    });
  } catch (error) {
    logEvent({ event: "submit_failed", error: error instanceof Error ? error.message : String(error) });
    return problem(
      c,
      "unavailable",
      "The dispatcher did not answer; retry with the same Idempotency-Key.",
      {},
      { "Retry-After": "1" },
    );
  }
}

/** The answer to a stored (or refused) submit: 202 with `Location`, 200 after `Prefer: wait`, or a problem. */
export async function answerSubmit(c: Context<RelayEnv>, result: SubmitResult): Promise<Response> {
  switch (result.kind) {
    case "idempotency-mismatch":
      return problem(c, "idempotency-key-reused", "This Idempotency-Key was already used with a different body.");
    case "webhook-replayed":
      return problem(c, "webhook-replayed", "This webhook-id was already received; nothing was queued.");
    case "backlog-full":
    case "storage-full":
    case "callbacks-pending":
      return refusalProblem(c, result);
  }
  c.header("Location", `/v1/notifications/${result.job.jobId}`);
  if (result.kind === "existing") c.header("Idempotent-Replayed", "true");
  // A webhook signature covers one body, not a read: a webhook caller (or whoever replays its request)
  // gets the acceptance only, never the job document that `Prefer: wait` would answer with.
  const seconds = c.var.caller.webhookId === undefined ? appliedWaitSeconds(c) : null;
  if (seconds !== null) {
    const done = await waitForCompletion(c, result.job, seconds * 1000);
    if (done.status === "completed") return c.json(done, 200);
  }
  const { job, estimatedSeconds } = result;
  const estimatedCompletionAt = new Date(Date.now() + estimatedSeconds * 1000).toISOString();
  return c.json(
    {
      jobId: job.jobId,
      status: job.status,
      total: job.total,
      batches: Math.ceil((job.total - job.deduplicated) / 100),
      estimatedSeconds,
      estimatedCompletionAt,
    },
    202,
  );
}

/**
 * The request's `Prefer: wait=N`, capped by RELAY_MAX_WAIT_SECONDS, in seconds, with `Preference-Applied`
 * set on the answer; null when the request asks for no wait.
 */
export function appliedWaitSeconds(c: Context<RelayEnv>): number | null {
  const wait = preferWaitSeconds(c.req.header("prefer"));
  if (wait === null) return null;
  const seconds = Math.min(wait, c.var.runtime.config.maxWaitSeconds);
  c.header("Preference-Applied", `wait=${seconds}`);
  return seconds;
}

/** Parses `Prefer: wait=N` (RFC 7240 §4.3), in seconds; null when absent or malformed. */
export function preferWaitSeconds(header: string | undefined): number | null {
  for (const preference of header?.split(",") ?? []) {
    const match = /^\s*wait\s*=\s*"?(\d{1,6})"?\s*(?:;.*)?$/i.exec(preference);
    if (match) return Number(match[1]);
  }
  return null;
}

/**
 * Waits on the dispatcher until the job completes or the budget runs out: the dispatcher answers when
 * the job's last batch settles (no polling, so waiters do not load the object that paces the sends).
 * The job is already stored, so a failed wait only ends the wait: the caller then gets the usual 202.
 */
export async function waitForCompletion(c: Context<RelayEnv>, job: JobView, budgetMs: number): Promise<JobView> {
  if (job.status === "completed" || budgetMs <= 0) return job;
  const { caller } = c.var;
  try {
    const wait = await c.var.dispatcher.waitForJob(
      caller.admin ? null : caller.owner,
      job.jobId,
      budgetMs,
      caller.owner,
    );
    // The caller already holds RELAY_MAX_WAITS_PER_CALLER waits open: answered at once, and the header says so.
    if (wait.refused) c.header("Preference-Applied", "wait=0");
    return wait.job ?? job;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logEvent({ event: "wait_failed", jobId: job.jobId, error: message });
    return job;
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
