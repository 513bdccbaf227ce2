/**
 * The durable outbox: every accepted job and batch, its state and its last result, in SQLite through the
 * engine's SQL adapter. Only the engine writes it. Hot paths touch one or two rows: a dispatch updates
 * its batch; a settlement updates its batch and its job's counters.
 */
import type { WireBatch } from "../../core/batch";
import type { BatchViewRow, DueBatch, JobRow, NewJob, OpenBatch } from "./rows";
import { type SqlAdapter, type SqlValue, one } from "./sql";
import type { AttemptResult } from "../api";

// Durable Object SQL allows 100 bound parameters per statement; a batch row binds 7.
const ROWS_PER_INSERT = 14;
const OPEN_BATCH_COLUMNS =
  "batch_id, job_id, seq, size, state, attempts, budget_spent, traffic_requeues, req_msg_id, result_code, sent_at, at_most_once";

/** Queued and in-flight batches and notifications. */
export interface OpenCounts {
  queued: number;
  queuedNotifications: number;
  inFlight: number;
  inFlightNotifications: number;
}

/** What ending some batches of one job without sending them did. */
export interface Ended {
  jobId: string;
  batches: number;
  notifications: number;
  /** True when this completed the job. */
  completed: boolean;
}

/** The outbox over one SQLite database; `load` once it is migrated. */
export class Outbox {
  readonly sql: SqlAdapter;
  /** Open work, as the outbox's own writes moved it (counted once by `load`). */
  readonly counts: OpenCounts = { queued: 0, queuedNotifications: 0, inFlight: 0, inFlightNotifications: 0 };

  constructor(sql: SqlAdapter) {
    this.sql = sql;
  }

  /** Counts the open work once, when the engine opens the outbox (then it is kept in memory). */
  load(): void {
    const rows = this.sql.exec<{ state: string; n: number; size: number | null }>(
      "SELECT state, COUNT(*) AS n, SUM(size) AS size FROM batches WHERE state IN ('queued', 'in_flight') GROUP BY state",
    );
    const of = (state: string) => rows.find((r) => r.state === state);
    Object.assign(this.counts, {
      queued: of("queued")?.n ?? 0,
      queuedNotifications: of("queued")?.size ?? 0,
      inFlight: of("in_flight")?.n ?? 0,
      inFlightNotifications: of("in_flight")?.size ?? 0,
    });
  }

  /** The job `owner` created under `idempotencyKey`, if any. */
  jobByIdempotencyKey(owner: string, idempotencyKey: string): JobRow | null {
    return one<JobRow>(this.sql, "SELECT * FROM jobs WHERE owner = ? AND idempotency_key = ?", owner, idempotencyKey);
  }

  /** The job a webhook-id created, if that job still exists. */
  jobByWebhookId(webhookId: string): JobRow | null {
    return one<JobRow>(this.sql, "SELECT * FROM jobs WHERE webhook_id = ?", webhookId);
  }

  /** A job by id (ownership is checked by the caller). */
  job(jobId: string): JobRow | null {
    return one<JobRow>(this.sql, "SELECT * FROM jobs WHERE job_id = ?", jobId);
  }

  /**
   * Stores a job and its batches, due at `created_at` or `send_after` if later (the caller wraps this in
   * a transaction). `deduplicated` notifications count in `total` but have no batch; a job left with no
   * batch at all is completed at once. With `staged`, the batches were stored ahead (`insertBatches` in
   * state `staged`, see `stageBatches`) and are only made queued here.
   */
  insertJob(job: NewJob, batches: readonly WireBatch[], staged = false): void {
    const total = batches.reduce((n, b) => n + b.size, 0) + job.deduplicated;
    this.sql.exec(
      `INSERT INTO jobs (job_id, owner, idempotency_key, webhook_id, body_hash, merchant_id, total, batch_count, created_at,
         completed_at, deduplicated, send_after, expires_at, on_unknown, callback_url)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      job.job_id, job.owner, job.idempotency_key, job.webhook_id, job.body_hash, job.merchant_id, total, batches.length, job.created_at,
      batches.length === 0 ? job.created_at : null, job.deduplicated, job.send_after, job.expires_at, job.on_unknown, job.callback_url,
    );
    const dueAt = Math.max(job.created_at, job.send_after ?? 0);
    if (staged) {
      const rows = this.sql.exec<{ size: number }>(
        "UPDATE batches SET state = 'queued', next_at = ? WHERE job_id = ? AND state = 'staged' RETURNING size", dueAt, job.job_id,
      );
      this.moveCounts("queued", rows.length, sum(rows));
    } else {
      this.insertBatches(job.job_id, 0, batches, { state: "queued", nextAt: dueAt, expiresAt: job.expires_at, onUnknown: job.on_unknown });
    }
  }

  /** Stores some of a large request's batches ahead of its job, in state `staged`: stored, not yet queued. */
  stageBatches(jobId: string, firstSeq: number, batches: readonly WireBatch[], policies: { expiresAt: number | null; onUnknown: string }): void {
    this.sql.transaction(() => this.insertBatches(jobId, firstSeq, batches, { state: "staged", nextAt: 0, ...policies }));
  }

  /** Drops the staged batches of `jobId`, or with null every staged batch (what an instance that died left). */
  dropStaged(jobId: string | null): number {
    return this.sql.transaction(() => {
      const where = jobId === null ? "state = 'staged'" : "state = 'staged' AND job_id = ?";
      const params = jobId === null ? [] : [jobId];
      this.sql.exec(`DELETE FROM payloads WHERE batch_id IN (SELECT batch_id FROM batches WHERE ${where})`, ...params);
      return this.sql.exec(`DELETE FROM batches WHERE ${where} RETURNING batch_id`, ...params).length;
    });
  }

  /** Stores batches (rows and payloads) of a job from `firstSeq` on, in `state`. */
  insertBatches(
    jobId: string,
    firstSeq: number,
    batches: readonly WireBatch[],
    at: { state: "queued" | "staged"; nextAt: number; expiresAt: number | null; onUnknown: string },
  ): void {
    const atMostOnce = at.onUnknown === "fail" ? 1 : 0;
    for (let start = 0; start < batches.length; start += ROWS_PER_INSERT) {
      const chunk = batches.slice(start, start + ROWS_PER_INSERT);
      const params: SqlValue[] = [];
      chunk.forEach((batch, i) => {
        params.push(jobId, firstSeq + start + i, batch.size, at.state, at.nextAt, at.expiresAt, atMostOnce);
      });
      const ids = this.sql.exec<{ batch_id: number; seq: number }>(
        `INSERT INTO batches (job_id, seq, size, state, next_at, expires_at, at_most_once)
         VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?, ?)").join(", ")}
         RETURNING batch_id, seq`,
        ...params,
      );
      const payloads: SqlValue[] = [];
      for (const { batch_id, seq } of ids) payloads.push(batch_id, batches[seq - firstSeq]?.infos ?? "[]");
      this.sql.exec(`INSERT INTO payloads (batch_id, infos) VALUES ${ids.map(() => "(?, ?)").join(", ")}`, ...payloads);
      if (at.state === "queued") this.moveCounts("queued", ids.length, chunk.reduce((n, b) => n + b.size, 0));
    }
  }

  /**
   * Up to `limit` batches that may be sent at `now`: traffic-refused ones first, then oldest due first.
   * Payloads are joined but not read (their text is in overflow pages SQLite does not touch): most
   * ticks plan fewer slots than there are due batches, and reading each tick's 20 KB payloads only to
   * drop them was most of a tick's cost.
   */
  due(now: number, limit: number): DueBatch[] {
    return this.sql.exec<DueBatch>(
      `SELECT b.batch_id, b.job_id, j.merchant_id, b.size, b.attempts, b.expires_at
       FROM batches b JOIN jobs j ON j.job_id = b.job_id JOIN payloads p ON p.batch_id = b.batch_id
       WHERE b.state = 'queued' AND b.next_at <= ?
       ORDER BY b.front DESC, b.next_at, b.batch_id LIMIT ?`,
      now, limit,
    );
  }

  /** A queued or in-flight batch's `notificationInfos` text, as it goes on the wire. */
  payload(batchId: number): string {
    const row = one<{ infos: string }>(this.sql, "SELECT infos FROM payloads WHERE batch_id = ?", batchId);
    if (!row) throw new Error(`batch ${batchId} has no payload`);
    return row.infos;
  }

  /** When the earliest queued batch falls due (ms epoch), or null when nothing is queued. */
  nextDueAt(): number | null {
    // Two lookups, one per `front` value, so each reads the head of the queued index.
    const front = one<{ at: number | null }>(this.sql, "SELECT MIN(next_at) AS at FROM batches WHERE state = 'queued' AND front = 1");
    const rest = one<{ at: number | null }>(this.sql, "SELECT MIN(next_at) AS at FROM batches WHERE state = 'queued' AND front = 0");
    const times = [front?.at, rest?.at].filter((t): t is number => typeof t === "number");
    return times.length ? Math.min(...times) : null;
  }

  /** The earliest lease expiry among in-flight batches, or null. */
  nextLeaseExpiry(): number | null {
    return one<{ at: number | null }>(this.sql, "SELECT MIN(lease_until) AS at FROM batches WHERE state = 'in_flight'")?.at ?? null;
  }

  /** In-flight batches whose lease ran out: their sender never reported back. */
  expiredLeases(now: number): OpenBatch[] {
    return this.sql.exec<OpenBatch>(
      `SELECT ${OPEN_BATCH_COLUMNS} FROM batches WHERE state = 'in_flight' AND lease_until < ? ORDER BY lease_until`, now,
    );
  }

  /** One batch as settlement needs it. */
  batch(batchId: number): OpenBatch | null {
    return one<OpenBatch>(this.sql, `SELECT ${OPEN_BATCH_COLUMNS} FROM batches WHERE batch_id = ?`, batchId);
  }

  /** Marks a batch as on the wire under a fresh reqMsgId, leaving at `sentAt`; counted as an attempt. */
  markInFlight(batch: DueBatch, reqMsgId: string, sentAt: number, leaseUntil: number): void {
    this.sql.exec(
      `UPDATE batches SET state = 'in_flight', req_msg_id = ?, sent_at = ?, lease_until = ?, attempts = attempts + 1, front = 0
       WHERE batch_id = ?`,
      reqMsgId, sentAt, leaseUntil, batch.batch_id,
    );
    if (batch.attempts === 0) this.sql.exec("UPDATE jobs SET attempted_batches = attempted_batches + 1 WHERE job_id = ?", batch.job_id);
    this.moveCounts("queued", -1, -batch.size);
    this.moveCounts("inFlight", 1, batch.size);
  }

  /**
   * Puts a batch back in the queue with the attempt's result (one row written). `held` marks a request
   * that was held back for missing its slot: it never left, so it is not counted as an attempt.
   */
  requeue(
    batch: OpenBatch,
    result: AttemptResult,
    next: { at: number; front: boolean; spendsAttempt: boolean; held: boolean; departed: number | null },
  ): void {
    this.sql.exec(
      `UPDATE batches SET state = 'queued', lease_until = NULL, result_status = ?, result_code = ?, result_msg = ?,
         next_at = ?, front = ?, budget_spent = budget_spent + ?, traffic_requeues = traffic_requeues + ?,
         attempts = attempts - ?, sent_at = COALESCE(?, sent_at)
       WHERE batch_id = ?`,
      result.resultStatus, result.resultCode, result.resultMsg,
      next.at, next.front ? 1 : 0, next.spendsAttempt ? 1 : 0, result.resultClass === "traffic" ? 1 : 0,
      next.held ? 1 : 0, next.departed,
      batch.batch_id,
    );
    this.moveCounts("inFlight", -1, -batch.size);
    this.moveCounts("queued", 1, batch.size);
  }

  /**
   * Ends a batch: its payload goes (a failed one keeps its openIds for `failures`), its job's counters
   * move, and the job completes with its last batch. Returns true when this call completed the job.
   */
  finish(batch: OpenBatch, result: AttemptResult, status: "succeeded" | "failed", now: number, departed: number | null = null): boolean {
    const failed = status === "failed";
    this.sql.exec(
      `UPDATE batches SET state = ?, lease_until = NULL, result_status = ?, result_code = ?, result_msg = ?,
         budget_spent = budget_spent + 1, sent_at = COALESCE(?, sent_at),
         open_ids = CASE WHEN ? THEN (
           SELECT json_group_array(json_extract(e.value, '$.openId')) FROM payloads p, json_each(p.infos) e WHERE p.batch_id = batches.batch_id
         ) END
       WHERE batch_id = ?`,
      status, result.resultStatus, result.resultCode, result.resultMsg, departed, failed ? 1 : 0, batch.batch_id,
    );
    this.sql.exec("DELETE FROM payloads WHERE batch_id = ?", batch.batch_id);
    const done = this.sql.exec<{ completed_at: number | null }>(
      `UPDATE jobs SET succeeded = succeeded + ?, failed = failed + ?, settled_batches = settled_batches + 1,
         completed_at = CASE WHEN settled_batches + 1 >= batch_count THEN ? ELSE completed_at END
       WHERE job_id = ? RETURNING completed_at`,
      failed ? 0 : batch.size, failed ? batch.size : 0, now, batch.job_id,
    );
    // A batch finished from the queue is a late answer to a lost attempt, waiting for its resend.
    this.moveCounts(batch.state === "in_flight" ? "inFlight" : "queued", -1, -batch.size);
    return done[0]?.completed_at === now;
  }

  /** Ends every queued batch of a job as `cancelled` (in-flight ones finish on their own). */
  cancelQueued(jobId: string, now: number): Ended {
    const rows = this.sql.exec<{ size: number }>(
      "UPDATE batches SET state = 'cancelled', lease_until = NULL WHERE job_id = ? AND state = 'queued' RETURNING size",
      jobId,
    );
    return this.endWithoutSending(jobId, "cancelled", rows, now);
  }

  /** Ends every queued batch whose deadline is at or before `now` as `expired`; one entry per job touched. */
  expireDue(now: number): Ended[] {
    const rows = this.sql.exec<{ job_id: string; size: number }>(
      "UPDATE batches SET state = 'expired', lease_until = NULL WHERE state = 'queued' AND expires_at <= ? RETURNING job_id, size",
      now,
    );
    const byJob = new Map<string, { size: number }[]>();
    for (const row of rows) byJob.set(row.job_id, [...(byJob.get(row.job_id) ?? []), row]);
    return [...byJob].map(([jobId, sizes]) => this.endWithoutSending(jobId, "expired", sizes, now));
  }

  /** The earliest deadline among queued batches (ms epoch), or null. */
  nextExpiry(): number | null {
    return one<{ at: number | null }>(this.sql, "SELECT MIN(expires_at) AS at FROM batches WHERE state = 'queued' AND expires_at IS NOT NULL")?.at ?? null;
  }

  /** True when a queued or in-flight batch has a deadline. */
  hasDeadlines(): boolean {
    return one(this.sql, "SELECT 1 AS x FROM batches WHERE expires_at IS NOT NULL AND state IN ('queued', 'in_flight') LIMIT 1") !== null;
  }

  /** The batches of a job for its view, in order, without payloads. */
  batchViews(jobId: string): BatchViewRow[] {
    return this.sql.exec<BatchViewRow>(
      `SELECT seq, size, state, attempts, req_msg_id, result_status, result_code, result_msg
       FROM batches WHERE job_id = ? ORDER BY seq`,
      jobId,
    );
  }

  /** The failed batches of a job: their openIds and result. */
  failures(jobId: string): { open_ids: string | null; result_code: string | null; result_msg: string | null }[] {
    return this.sql.exec("SELECT open_ids, result_code, result_msg FROM batches WHERE job_id = ? AND state = 'failed' ORDER BY seq", jobId);
  }

  /** Send start times after `since` (ms epoch), ascending: the pacer's window after a restart. */
  sentSince(since: number): number[] {
    return this.sql.exec<{ sent_at: number }>("SELECT sent_at FROM batches WHERE sent_at > ? ORDER BY sent_at", since).map((r) => r.sent_at);
  }

  /** The most recent jobs, newest first: `owner`'s only, or everyone's for null. */
  recentJobs(owner: string | null, limit: number): JobRow[] {
    return owner === null
      ? this.sql.exec<JobRow>("SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?", limit)
      : this.sql.exec<JobRow>("SELECT * FROM jobs WHERE owner = ? ORDER BY created_at DESC LIMIT ?", owner, limit);
  }

  /** When the oldest finished job finished (ms epoch), or null; jobs whose callback is still tried wait. */
  oldestCompletedAt(): number | null {
    return one<{ at: number | null }>(this.sql, "SELECT MIN(completed_at) AS at FROM jobs WHERE completed_at IS NOT NULL AND callback_status IS NOT 'pending'")?.at ?? null;
  }

  /**
   * Deletes up to `maxRows` batch rows of jobs finished before `before`, then those jobs once empty. A
   * job whose callback is still being tried stays (retention may be shorter than the 24 h of tries).
   * Returns the rows deleted; fewer than `maxRows` means nothing older is left.
   */
  prune(before: number, maxRows: number): number {
    const batches = this.sql.exec(
      `DELETE FROM batches WHERE batch_id IN (
         SELECT b.batch_id FROM jobs j JOIN batches b ON b.job_id = j.job_id
         WHERE j.completed_at IS NOT NULL AND j.completed_at < ? AND j.callback_status IS NOT 'pending' LIMIT ?) RETURNING batch_id`,
      before, maxRows,
    ).length;
    const jobs = this.sql.exec(
      `DELETE FROM jobs WHERE job_id IN (
         SELECT j.job_id FROM jobs j WHERE j.completed_at IS NOT NULL AND j.completed_at < ? AND j.callback_status IS NOT 'pending'
           AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.job_id = j.job_id) LIMIT ?) RETURNING job_id`,
      before, maxRows,
    ).length;
    return batches + jobs;
  }

  /** A small JSON value kept beside the outbox. */
  getMeta<T>(key: string): T | null {
    const row = one<{ value: string }>(this.sql, "SELECT value FROM meta WHERE key = ?", key);
    return row ? (JSON.parse(row.value) as T) : null;
  }

  /** Stores a small JSON value beside the outbox (null deletes it). */
  setMeta(key: string, value: unknown): void {
    if (value === null) this.sql.exec("DELETE FROM meta WHERE key = ?", key);
    else {
      this.sql.exec(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        key, JSON.stringify(value),
      );
    }
  }

  // Batches ended without a send: payloads go, the job's counters move, and its last batch completes it.
  private endWithoutSending(jobId: string, column: "cancelled" | "expired", rows: { size: number }[], now: number): Ended {
    if (rows.length === 0) return { jobId, batches: 0, notifications: 0, completed: false };
    const notifications = sum(rows);
    this.sql.exec(`DELETE FROM payloads WHERE batch_id IN (SELECT batch_id FROM batches WHERE job_id = ? AND state = ?)`, jobId, column);
    const done = this.sql.exec<{ completed_at: number | null }>(
      `UPDATE jobs SET ${column} = ${column} + ?, settled_batches = settled_batches + ?,
         completed_at = CASE WHEN settled_batches + ? >= batch_count THEN ? ELSE completed_at END
       WHERE job_id = ? RETURNING completed_at`,
      notifications, rows.length, rows.length, now, jobId,
    );
    this.moveCounts("queued", -rows.length, -notifications);
    return { jobId, batches: rows.length, notifications, completed: done[0]?.completed_at === now };
  }

  private moveCounts(which: "queued" | "inFlight", batches: number, notifications: number): void {
    if (which === "queued") {
      this.counts.queued += batches;
      this.counts.queuedNotifications += notifications;
    } else {
      this.counts.inFlight += batches;
      this.counts.inFlightNotifications += notifications;
    }
  }
}

function sum(rows: readonly { size: number }[]): number {
  return rows.reduce((n, r) => n + r.size, 0);
}
