/** What a submit meets before anything is stored: a job it repeats, or a replay to refuse. */
import type { Outbox } from "./outbox";
import type { SubmitRequest } from "./types";

/** The earlier job this request repeats, or why it is refused; null when it is new work. */
export type Repeat = { kind: "existing"; jobId: string } | { kind: "idempotency-mismatch" } | { kind: "webhook-replayed" } | null;

/**
 * The same Idempotency-Key (per caller) or webhook-id with the same body is the same job; either with
 * another body is refused. Standard Webhooks senders retry with the same webhook-id for hours, so the id
 * is looked up among the stored jobs: it is remembered for as long as the job it created.
 */
export function repeatOf(outbox: Outbox, request: SubmitRequest): Repeat {
  if (request.idempotencyKey !== undefined) {
    const existing = outbox.jobByIdempotencyKey(request.owner, request.idempotencyKey);
    if (existing) {
      return existing.body_hash === request.bodyHash ? { kind: "existing", jobId: existing.job_id } : { kind: "idempotency-mismatch" };
    }
  }
  if (request.webhookId !== undefined) {
    const seen = outbox.jobByWebhookId(request.webhookId);
    if (seen) {
      const same = seen.body_hash === request.bodyHash && seen.owner === request.owner;
      return same ? { kind: "existing", jobId: seen.job_id } : { kind: "webhook-replayed" };
    }
  }
  return null;
}
