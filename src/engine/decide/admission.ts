/**
 * Admitting a submit, as pure decisions: what an earlier job under the same idempotency key or
 * webhook-id means for this request, whether the backlog has room, and when the new job should be sent.
 */
import type { WireBatch } from "../../core/batch";
import type { SubmitRequest, SubmitResult } from "../api";

/** An earlier job as admission compares it: its id, owner and body hash. */
export interface EarlierJob {
  job_id: string;
  owner: string;
  body_hash: string;
}

/** What an earlier request under the same idempotency key or webhook-id says about this one. */
export type Prior = { kind: "existing"; jobId: string } | { kind: "idempotency-mismatch" } | { kind: "webhook-replayed" } | null;

/**
 * The job this request already made, a refusal, or null for new work; `byKey` is the owner's job under
 * the request's idempotency key, `byWebhook` the job of its webhook-id (each null when none).
 */
export function priorJob(request: SubmitRequest, byKey: EarlierJob | null, byWebhook: EarlierJob | null): Prior {
  if (byKey) return byKey.body_hash === request.bodyHash ? { kind: "existing", jobId: byKey.job_id } : { kind: "idempotency-mismatch" };
  if (byWebhook) {
    // Standard Webhooks senders retry with the same webhook-id for hours: the same body from the same
    // caller gets its job back for as long as the job exists; anything else under that id is a replay.
    if (byWebhook.body_hash !== request.bodyHash || byWebhook.owner !== request.owner) return { kind: "webhook-replayed" };
    return { kind: "existing", jobId: byWebhook.job_id };
  }
  return null;
}

/**
 * The refusal of `adding` batches on top of a `backlog` that may hold at most `maxBatches`, with when to
 * try again at `liveRps`; null when they fit.
 */
export function backlogRefusal(backlog: number, adding: number, maxBatches: number, liveRps: number): SubmitResult | null {
  const excess = backlog + adding - maxBatches;
  if (excess <= 0) return null;
  return { kind: "backlog-full", retryAfterSeconds: Math.max(1, Math.ceil(excess / liveRps)), backlogBatches: backlog };
}

/**
 * Seconds until a new job is sent: the backlog ahead (`backlogSeconds`, this job included) or, with
 * `sendAfter`, the wait until then plus its own batches at `liveRps` (per second), whichever is later.
 */
export function admittedEta(request: SubmitRequest, batches: readonly WireBatch[], backlogSeconds: number, liveRps: number, now: number): number {
  const waitSeconds = Math.max(0, Math.ceil(((request.sendAfter ?? now) - now) / 1000));
  return Math.max(backlogSeconds, waitSeconds + Math.ceil(batches.length / liveRps));
}
