/**
 * Admitting a submit, step by step for the engine: a job this request already made (idempotency key or
 * webhook-id), the caller's duplicate notifications (dedupKey), storing what is left, and the ETA.
 * Reads and writes go through the outbox and the policy store; the engine keeps its counters.
 */
import type { WireBatch } from "../core/batch";
import { type Deduplicated, dedupBatches } from "./dedup";
import type { Outbox } from "./outbox";
import { rememberKeys, seenKeys } from "./policy-store";
import type { SqlAdapter } from "./sql";
import type { SubmitRequest, SubmitResult } from "./types";

/** What an earlier request under the same idempotency key or webhook-id says about this one. */
export type Prior = { kind: "existing"; jobId: string } | { kind: "idempotency-mismatch" } | { kind: "webhook-replayed" } | null;

/** The job this request already made, a refusal, or null for new work. */
export function priorJob(outbox: Outbox, request: SubmitRequest): Prior {
  if (request.idempotencyKey !== undefined) {
    const existing = outbox.jobByIdempotencyKey(request.owner, request.idempotencyKey);
    if (existing) return existing.body_hash === request.bodyHash ? { kind: "existing", jobId: existing.job_id } : { kind: "idempotency-mismatch" };
  }
  if (request.webhookId !== undefined) {
    // Standard Webhooks senders retry with the same webhook-id for hours: the same body from the same
    // caller gets its job back for as long as the job exists; anything else under that id is a replay.
    const seen = outbox.jobByWebhookId(request.webhookId);
    if (seen) {
      if (seen.body_hash !== request.bodyHash || seen.owner !== request.owner) return { kind: "webhook-replayed" };
      return { kind: "existing", jobId: seen.job_id };
    }
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

/** Drops the caller's notifications whose dedupKey was accepted within `windowMs` (or earlier in this request). */
export function deduplicate(sql: SqlAdapter, request: SubmitRequest, windowMs: number, now: number): Deduplicated {
  const keys = request.batches.flatMap((b) => (b.dedupKeys ?? []).filter((k): k is string => k !== null));
  const seen = keys.length === 0 ? new Set<string>() : seenKeys(sql, request.owner, keys, now - windowMs);
  return dedupBatches(request.batches, (key) => seen.has(key));
}

/** Stores the job with what deduplication left (or queues its staged batches), and remembers its keys, in one transaction. */
export function storeJob(sql: SqlAdapter, outbox: Outbox, request: SubmitRequest, dedup: Deduplicated, now: number, staged = false): void {
  sql.transaction(() => {
    outbox.insertJob(
      {
        job_id: request.jobId,
        owner: request.owner,
        idempotency_key: request.idempotencyKey ?? null,
        webhook_id: request.webhookId ?? null,
        body_hash: request.bodyHash,
        merchant_id: request.merchantId,
        created_at: now,
        deduplicated: dedup.deduplicated,
        send_after: request.sendAfter ?? null,
        expires_at: request.expiresAt ?? null,
        on_unknown: request.onUnknown ?? "retry",
        callback_url: request.callbackUrl ?? null,
      },
      dedup.batches,
      staged,
    );
    rememberKeys(sql, request.owner, dedup.accepted, request.jobId, now);
  });
}

/**
 * Seconds until a new job is sent: the backlog ahead (`backlogSeconds`, this job included) or, with
 * `sendAfter`, the wait until then plus its own batches at `liveRps` (per second), whichever is later.
 */
export function admittedEta(request: SubmitRequest, batches: readonly WireBatch[], backlogSeconds: number, liveRps: number, now: number): number {
  const waitSeconds = Math.max(0, Math.ceil(((request.sendAfter ?? now) - now) / 1000));
  return Math.max(backlogSeconds, waitSeconds + Math.ceil(batches.length / liveRps));
}
