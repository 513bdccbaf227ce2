/**
 * Completion callbacks as stored on their job's row: scheduled when the job completes, handed out
 * leased, and settled by each try's ending. Every statement touches one job or reads the due index.
 */
import { type SqlAdapter, one } from "./sql";

/** A callback try due to be handed to the host. */
export interface DueCallbackRow {
  job_id: string;
  owner: string;
  callback_url: string;
  callback_id: string;
  callback_attempts: number;
  completed_at: number;
}

/** A pending callback as a try's report needs it. */
export interface PendingCallbackRow {
  callback_status: string | null;
  callback_attempts: number;
  completed_at: number | null;
}

/** The callback columns of `jobs`. */
export class CallbackQueue {
  private readonly sql: SqlAdapter;

  constructor(sql: SqlAdapter) {
    this.sql = sql;
  }

  /** Starts a completed job's callback, if it has one: due now, under a fresh webhook-id. */
  schedule(jobId: string, webhookId: string, now: number): boolean {
    return (
      this.sql.exec(
        `UPDATE jobs SET callback_status = 'pending', callback_id = ?, callback_next_at = ?
         WHERE job_id = ? AND callback_url IS NOT NULL AND callback_status IS NULL RETURNING job_id`,
        webhookId, now, jobId,
      ).length > 0
    );
  }

  /** Up to `limit` callbacks due at `now`, earliest first. */
  due(now: number, limit: number): DueCallbackRow[] {
    return this.sql.exec<DueCallbackRow>(
      `SELECT job_id, owner, callback_url, callback_id, callback_attempts, completed_at FROM jobs
       WHERE callback_status = 'pending' AND callback_next_at <= ? ORDER BY callback_next_at LIMIT ?`,
      now, limit,
    );
  }

  /** A job's callback as it stands, or null. */
  pending(jobId: string): PendingCallbackRow | null {
    return one<PendingCallbackRow>(this.sql, "SELECT callback_status, callback_attempts, completed_at FROM jobs WHERE job_id = ?", jobId);
  }

  /** Counts a try as handed out; until `leaseUntil` it is the host's (after that, due again). */
  lease(jobId: string, leaseUntil: number): void {
    this.sql.exec("UPDATE jobs SET callback_attempts = callback_attempts + 1, callback_next_at = ? WHERE job_id = ?", leaseUntil, jobId);
  }

  /** Records a try's ending: delivered, failed for good, or pending until `at`. */
  settle(jobId: string, next: { status: string; at?: number }, error: string | null): void {
    this.sql.exec(
      "UPDATE jobs SET callback_status = ?, callback_next_at = ?, callback_last_error = ? WHERE job_id = ?",
      next.status, next.at ?? null, error, jobId,
    );
  }

  /** When the next pending callback falls due (ms epoch), or null. */
  nextAt(): number | null {
    return one<{ at: number | null }>(this.sql, "SELECT MIN(callback_next_at) AS at FROM jobs WHERE callback_status = 'pending'")?.at ?? null;
  }

  /** How many callbacks are pending (read from the due index). */
  pendingCount(): number {
    return one<{ n: number }>(this.sql, "SELECT COUNT(*) AS n FROM jobs WHERE callback_status = 'pending'")?.n ?? 0;
  }
}
