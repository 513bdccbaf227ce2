import type { WireBatch } from "../core/batch";
import type { AttemptResult } from "./types";

/** Batch states as stored. `in_flight` means a request may be on the wire right now. */
export type BatchState = "queued" | "in_flight" | "succeeded" | "failed";

/** A stored batch row. */
export interface BatchRow {
  batch_id: number;
  job_id: string;
  seq: number;
  size: number;
  notifications: string;
  state: BatchState;
  attempts: number;
  budget_spent: number;
  traffic_requeues: number;
  front: number;
  next_at: number;
  lease_until: number | null;
  req_msg_id: string | null;
  result_status: string | null;
  result_code: string | null;
  result_msg: string | null;
}

/** A stored job row. */
export interface JobRow {
  job_id: string;
  owner: string;
  idempotency_key: string | null;
  body_hash: string;
  merchant_id: string;
  total: number;
  batch_count: number;
  created_at: number;
  completed_at: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  job_id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  idempotency_key TEXT,
  body_hash TEXT NOT NULL,
  merchant_id TEXT NOT NULL,
  total INTEGER NOT NULL,
  batch_count INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_idempotency ON jobs(owner, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs(owner, created_at);
CREATE TABLE IF NOT EXISTS batches (
  batch_id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  size INTEGER NOT NULL,
  notifications TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  budget_spent INTEGER NOT NULL DEFAULT 0,
  traffic_requeues INTEGER NOT NULL DEFAULT 0,
  front INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  lease_until INTEGER,
  req_msg_id TEXT,
  result_status TEXT,
  result_code TEXT,
  result_msg TEXT
);
CREATE INDEX IF NOT EXISTS batches_due ON batches(state, front DESC, next_at, batch_id);
CREATE INDEX IF NOT EXISTS batches_by_job ON batches(job_id, seq);
CREATE TABLE IF NOT EXISTS webhook_ids (
  id TEXT PRIMARY KEY,
  seen_at INTEGER NOT NULL,
  job_id TEXT NOT NULL,
  body_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts_log (
  at INTEGER NOT NULL,
  result_code TEXT NOT NULL,
  latency_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_log_at ON attempts_log(at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** The durable outbox: every accepted batch, its state and its last result, in the object's SQLite. */
export class Outbox {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  /** The job created by `owner` under `idempotencyKey`, if any. */
  jobByIdempotencyKey(owner: string, idempotencyKey: string): JobRow | null {
    return this.one<JobRow>("SELECT * FROM jobs WHERE owner = ? AND idempotency_key = ?", owner, idempotencyKey);
  }

  /** A job by id (ownership is checked by the caller). */
  job(jobId: string): JobRow | null {
    return this.one<JobRow>("SELECT * FROM jobs WHERE job_id = ?", jobId);
  }

  /** The job a webhook-id created, if that id was seen within the replay window. */
  webhookDelivery(id: string): { job_id: string; body_hash: string } | null {
    return this.one("SELECT job_id, body_hash FROM webhook_ids WHERE id = ?", id);
  }

  /** Remembers a webhook-id with the job it created, for the replay window. */
  recordWebhookId(id: string, jobId: string, bodyHash: string, now: number): void {
    this.sql.exec(
      "INSERT INTO webhook_ids (id, seen_at, job_id, body_hash) VALUES (?, ?, ?, ?)",
      id,
      now,
      jobId,
      bodyHash,
    );
  }

  /** Stores a job and all its batches (the caller wraps this in a transaction). */
  insertJob(job: Omit<JobRow, "completed_at" | "total" | "batch_count">, batches: WireBatch[]): void {
    const total = batches.reduce((n, b) => n + b.size, 0);
    this.sql.exec(
      `INSERT INTO jobs (job_id, owner, idempotency_key, body_hash, merchant_id, total, batch_count, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      job.job_id,
      job.owner,
      job.idempotency_key,
      job.body_hash,
      job.merchant_id,
      total,
      batches.length,
      job.created_at,
    );
    batches.forEach((batch, seq) => {
      this.sql.exec(
        `INSERT INTO batches (job_id, seq, size, notifications, state, next_at) VALUES (?, ?, ?, ?, 'queued', ?)`,
        job.job_id,
        seq,
        batch.size,
        batch.infos,
        job.created_at,
      );
    });
  }

  /** The batches of a job, in order. */
  batchesOf(jobId: string): BatchRow[] {
    return this.sql
      .exec<BatchRow & Record<string, SqlStorageValue>>("SELECT * FROM batches WHERE job_id = ? ORDER BY seq", jobId)
      .toArray();
  }

  /** One batch by id. */
  batch(batchId: number): BatchRow | null {
    return this.one<BatchRow>("SELECT * FROM batches WHERE batch_id = ?", batchId);
  }

  /** The next batch that may be sent now: refused-for-traffic ones first, then oldest first. */
  nextDue(now: number): BatchRow | null {
    return this.one<BatchRow>(
      `SELECT * FROM batches WHERE state = 'queued' AND next_at <= ?
       ORDER BY front DESC, next_at, batch_id LIMIT 1`,
      now,
    );
  }

  /** When the earliest queued batch becomes due (ms epoch), or null when nothing is queued. */
  nextDueAt(): number | null {
    const row = this.one<{ at: number | null }>("SELECT MIN(next_at) AS at FROM batches WHERE state = 'queued'");
    return row?.at ?? null;
  }

  /** The earliest lease expiry among in-flight batches, or null. */
  nextLeaseExpiry(): number | null {
    const row = this.one<{ at: number | null }>("SELECT MIN(lease_until) AS at FROM batches WHERE state = 'in_flight'");
    return row?.at ?? null;
  }

  /** In-flight batches whose lease ran out: their sender never reported back. */
  expiredLeases(now: number): BatchRow[] {
    return this.sql
      .exec<BatchRow & Record<string, SqlStorageValue>>(
        "SELECT * FROM batches WHERE state = 'in_flight' AND lease_until < ? ORDER BY batch_id",
        now,
      )
      .toArray();
  }

  /** Marks a batch as on the wire under a fresh reqMsgId; counted as an attempt. */
  markInFlight(batchId: number, reqMsgId: string, leaseUntil: number): void {
    this.sql.exec(
      `UPDATE batches SET state = 'in_flight', req_msg_id = ?, lease_until = ?, attempts = attempts + 1, front = 0
       WHERE batch_id = ?`,
      reqMsgId,
      leaseUntil,
      batchId,
    );
  }

  /** Records the result of an attempt and the batch's next state. */
  settle(
    batchId: number,
    result: AttemptResult,
    next:
      | { state: "succeeded" | "failed" }
      | { state: "queued"; nextAt: number; front: boolean; spendsAttempt: boolean },
  ): void {
    const queued = next.state === "queued";
    this.sql.exec(
      `UPDATE batches SET state = ?, lease_until = NULL, result_status = ?, result_code = ?, result_msg = ?,
         next_at = CASE WHEN ? THEN ? ELSE next_at END,
         front = ?,
         budget_spent = budget_spent + ?,
         traffic_requeues = traffic_requeues + ?
       WHERE batch_id = ?`,
      next.state,
      result.resultStatus,
      result.resultCode,
      result.resultMsg,
      queued ? 1 : 0,
      queued ? next.nextAt : 0,
      queued && next.front ? 1 : 0,
      !queued || next.spendsAttempt ? 1 : 0,
      result.resultClass === "traffic" ? 1 : 0,
      batchId,
    );
  }

  /** Marks the job completed once no batch of it is left to send; returns true if this call completed it. */
  completeIfDone(jobId: string, now: number): boolean {
    const open = this.one<{ n: number }>(
      "SELECT COUNT(*) AS n FROM batches WHERE job_id = ? AND state IN ('queued', 'in_flight')",
      jobId,
    );
    if ((open?.n ?? 0) > 0) return false;
    const cursor = this.sql.exec(
      "UPDATE jobs SET completed_at = ? WHERE job_id = ? AND completed_at IS NULL",
      now,
      jobId,
    );
    return cursor.rowsWritten > 0;
  }

  /** Batches and notifications not yet settled, and how many are on the wire. */
  backlog(): { batches: number; notifications: number; inFlight: number } {
    const row = this.one<{ batches: number; notifications: number | null; in_flight: number | null }>(
      `SELECT COUNT(*) AS batches, SUM(size) AS notifications,
              SUM(CASE WHEN state = 'in_flight' THEN 1 ELSE 0 END) AS in_flight
       FROM batches WHERE state IN ('queued', 'in_flight')`,
    );
    return { batches: row?.batches ?? 0, notifications: row?.notifications ?? 0, inFlight: row?.in_flight ?? 0 };
  }

  /** True when some batch is still queued or on the wire. */
  hasOpenBatches(): boolean {
    return this.one("SELECT 1 AS open FROM batches WHERE state IN ('queued', 'in_flight') LIMIT 1") !== null;
  }

  /** Batches on the wire right now (cheap: reads the in-flight rows of the state index only). */
  inFlightCount(): number {
    return this.one<{ n: number }>("SELECT COUNT(*) AS n FROM batches WHERE state = 'in_flight'")?.n ?? 0;
  }

  /** Appends one attempt to the rolling log that feeds the status page. */
  logAttempt(at: number, resultCode: string, latencyMs: number): void {
    this.sql.exec("INSERT INTO attempts_log (at, result_code, latency_ms) VALUES (?, ?, ?)", at, resultCode, latencyMs);
  }

  /** Attempts since `since`, counted by result code. */
  resultCounts(since: number): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const row of this.sql.exec<{ code: string; n: number }>(
      "SELECT result_code AS code, COUNT(*) AS n FROM attempts_log WHERE at >= ? GROUP BY result_code",
      since,
    ))
      counts[row.code] = row.n;
    return counts;
  }

  /** Attempts per whole second since `since` (ms epoch), with the traffic refusals among them. */
  attemptsPerSecond(since: number): { at: number; sends: number; exceeded: number }[] {
    return this.sql
      .exec<{ at: number; sends: number; exceeded: number }>(
        `SELECT (at / 1000) * 1000 AS at, COUNT(*) AS sends,
              SUM(CASE WHEN result_code = 'REQUEST_TRAFFIC_EXCEED_LIMIT' THEN 1 ELSE 0 END) AS exceeded
       FROM attempts_log WHERE at >= ? GROUP BY at / 1000 ORDER BY at`,
        since,
      )
      .toArray();
  }

  /** The most recent jobs, newest first: `owner`'s, or everyone's when `owner` is null (an admin). */
  recentJobs(owner: string | null, limit: number): JobRow[] {
    return this.sql
      .exec<JobRow & Record<string, SqlStorageValue>>(
        "SELECT * FROM jobs WHERE ? IS NULL OR owner = ? ORDER BY created_at DESC LIMIT ?",
        owner,
        owner,
        limit,
      )
      .toArray();
  }

  /** Settled counts of a job: notifications succeeded / failed, and batches attempted. */
  jobCounts(jobId: string): { succeeded: number; failed: number; attempted: number } {
    const row = this.one<{ succeeded: number | null; failed: number | null; attempted: number | null }>(
      `SELECT SUM(CASE WHEN state = 'succeeded' THEN size ELSE 0 END) AS succeeded,
              SUM(CASE WHEN state = 'failed' THEN size ELSE 0 END) AS failed,
              SUM(CASE WHEN attempts > 0 THEN 1 ELSE 0 END) AS attempted
       FROM batches WHERE job_id = ?`,
      jobId,
    );
    return { succeeded: row?.succeeded ?? 0, failed: row?.failed ?? 0, attempted: row?.attempted ?? 0 };
  }

  /** Drops finished jobs, old webhook ids and old log rows. */
  prune(jobsBefore: number, webhookIdsBefore: number, logBefore: number): void {
    this.sql.exec(
      `DELETE FROM batches WHERE job_id IN (SELECT job_id FROM jobs WHERE completed_at IS NOT NULL AND completed_at < ?)`,
      jobsBefore,
    );
    this.sql.exec("DELETE FROM jobs WHERE completed_at IS NOT NULL AND completed_at < ?", jobsBefore);
    this.sql.exec("DELETE FROM webhook_ids WHERE seen_at < ?", webhookIdsBefore);
    this.sql.exec("DELETE FROM attempts_log WHERE at < ?", logBefore);
  }

  /** A small JSON value kept beside the outbox (the pacer state). */
  getMeta<T>(key: string): T | null {
    const row = this.one<{ value: string }>("SELECT value FROM meta WHERE key = ?", key);
    return row ? (JSON.parse(row.value) as T) : null;
  }

  /** Stores a small JSON value beside the outbox. */
  setMeta(key: string, value: unknown): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      key,
      JSON.stringify(value),
    );
  }

  private one<T>(query: string, ...bindings: SqlStorageValue[]): T | null {
    const rows = this.sql.exec(query, ...bindings).toArray();
    return (rows[0] as T | undefined) ?? null;
  }
}
