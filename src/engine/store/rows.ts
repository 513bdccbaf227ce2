/**
 * The outbox's rows as the engine reads and writes them (migrations.ts has the tables): what each query of
 * outbox.ts returns or takes.
 */

/**
 * Batch states as stored. `in_flight` means a request may be on the wire right now; `cancelled` and
 * `expired` batches were never sent again after their job was cancelled or their deadline passed.
 * (`staged` rows, written by a request still being stored, have no job yet: no reader sees them.)
 */
export type BatchState = "queued" | "in_flight" | "succeeded" | "failed" | "cancelled" | "expired";

/** A stored job row. */
export interface JobRow {
  job_id: string;
  owner: string;
  idempotency_key: string | null;
  webhook_id: string | null;
  body_hash: string;
  merchant_id: string;
  total: number;
  batch_count: number;
  created_at: number;
  completed_at: number | null;
  succeeded: number;
  failed: number;
  settled_batches: number;
  attempted_batches: number;
  cancelled: number;
  expired: number;
  deduplicated: number;
  /** Nothing of the job leaves before this (ms epoch), or null. */
  send_after: number | null;
  /** Batches not started by this (ms epoch) end `expired`, or null. */
  expires_at: number | null;
  on_unknown: "retry" | "fail";
  callback_url: string | null;
  callback_id: string | null;
  callback_status: "pending" | "delivered" | "failed" | null;
  callback_attempts: number;
  callback_last_error: string | null;
  callback_next_at: number | null;
}

/** A queued batch as planning needs it: no payload (read only for a batch that gets a slot). */
export interface DueBatch {
  batch_id: number;
  job_id: string;
  merchant_id: string;
  size: number;
  attempts: number;
  expires_at: number | null;
}

/** A batch as settlement needs it (no payload). */
export interface OpenBatch {
  batch_id: number;
  job_id: string;
  seq: number;
  size: number;
  state: BatchState;
  attempts: number;
  budget_spent: number;
  traffic_requeues: number;
  req_msg_id: string | null;
  result_code: string | null;
  /** When the current attempt was planned to leave (ms epoch). */
  sent_at: number | null;
  /** 1: `onUnknown: "fail"`, the batch is never sent again once it may have reached AlipayHK. */
  at_most_once: number;
}

/** A batch as a job view shows it. */
export interface BatchViewRow {
  seq: number;
  size: number;
  state: BatchState;
  attempts: number;
  req_msg_id: string | null;
  result_status: string | null;
  result_code: string | null;
  result_msg: string | null;
}

/** What a new job is stored with. */
export type NewJob = Pick<
  JobRow,
  "job_id" | "owner" | "idempotency_key" | "webhook_id" | "body_hash" | "merchant_id" | "created_at"
  | "send_after" | "expires_at" | "on_unknown" | "callback_url" | "deduplicated"
>;
