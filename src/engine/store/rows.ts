/**
 * The outbox's rows as the engine reads and writes them (migrations.ts has the tables): what each
 * query of outbox.ts returns or takes.
 */

/**
 * Run states as stored. `queued` runs wait for a request; `leased` ones ride on a request that may be on
 * the wire right now; the rest ended. (`staged` runs, written by a request still being stored, have no
 * job yet: no reader sees them.)
 */
export type RunState = "queued" | "leased" | "succeeded" | "failed" | "cancelled" | "expired";

/** Request states: on the wire, answered (or ended without leaving), or lost in flight (a late answer still counts). */
export type RequestState = "in_flight" | "ended" | "lost";

/** A stored job row. */
export interface JobRow {
  job_id: string;
  owner: string;
  idempotency_key: string | null;
  webhook_id: string | null;
  body_hash: string;
  merchant_id: string;
  total: number;
  created_at: number;
  completed_at: number | null;
  succeeded: number;
  failed: number;
  cancelled: number;
  expired: number;
  deduplicated: number;
  /** Notifications sent at least once. */
  attempted: number;
  /** Nothing of the job leaves before this (ms epoch), or null. */
  send_after: number | null;
  /** Notifications not sent by this (ms epoch) end `expired`, or null. */
  expires_at: number | null;
  on_unknown: "retry" | "fail";
  callback_url: string | null;
  callback_id: string | null;
  callback_status: "pending" | "delivered" | "failed" | null;
  callback_attempts: number;
  callback_last_error: string | null;
  callback_next_at: number | null;
}

/** What a new job is stored with. */
export type NewJob = Pick<
  JobRow,
  | "job_id"
  | "owner"
  | "idempotency_key"
  | "webhook_id"
  | "body_hash"
  | "merchant_id"
  | "created_at"
  | "send_after"
  | "expires_at"
  | "on_unknown"
  | "callback_url"
  | "deduplicated"
>;

/** A queued run as the queue keeps it in memory (no text), with its job's owner and merchant. */
export interface QueuedRunRow {
  run_id: number;
  job_id: string;
  owner: string;
  merchant_id: string;
  seq: number;
  count: number;
  payload_id: number;
  first: number;
  attempts: number;
  budget_spent: number;
  traffic_requeues: number;
  front: number;
  next_at: number;
  expires_at: number | null;
  at_most_once: number;
}

/** A stored request. */
export interface RequestRow {
  request_id: number;
  req_msg_id: string;
  merchant_id: string;
  size: number;
  state: RequestState;
  /** When it was planned to leave, or really left if later (ms epoch). */
  sent_at: number;
  lease_until: number | null;
  result_status: string | null;
  result_code: string | null;
  result_msg: string | null;
}

/** The runs on a request that spent alike: settlement decides once per group. */
export interface RunGroupRow {
  attempts: number;
  budget_spent: number;
  traffic_requeues: number;
  at_most_once: number;
  notifications: number;
  /** The group's first run, ms: the breaker tells a run failing on every request from an outage by it. */
  lead: number;
}

/** What a job's document shows of where its notifications are: grouped by state and by the request they last rode on. */
export interface JobPartRow {
  state: RunState;
  notifications: number;
  attempts: number;
  request_id: number | null;
  req_msg_id: string | null;
  result_status: string | null;
  result_code: string | null;
  result_msg: string | null;
}

/** A failed run's openIds and reason, for a job's `failures`. */
export interface FailedRunRow {
  open_ids: string | null;
  result_code: string | null;
  result_msg: string | null;
}
