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
  owner: string;
  callback_status: string | null;
  callback_attempts: number;
  completed_at: number | null;
  /** The job's notifications that were ever sent: none means a short retry window. */
  attempted: number;
}

/** The callback columns of `jobs`. */
export class CallbackQueue {
  private readonly sql: SqlAdapter;

  constructor(sql: SqlAdapter) {
    this.sql = sql;
  }

  /** Starts a completed job's callback, if it has one: due now, under a fresh webhook-id. Returns its owner, or null. */
  schedule(jobId: string, webhookId: string, now: number): string | null {
    return (
      one<{ owner: string }>(
        this.sql,
        `UPDATE jobs SET callback_status = 'pending', callback_id = ?, callback_next_at = ?
         WHERE job_id = ? AND callback_url IS NOT NULL AND callback_status IS NULL RETURNING owner`,
        webhookId,
        now,
        jobId,
      )?.owner ?? null
    );
  }

  /** Up to `limit` callbacks due at `now`, earliest first, of owners not in `except`. */
  due(now: number, limit: number, except: readonly string[]): DueCallbackRow[] {
    return this.sql.exec<DueCallbackRow>(
      `SELECT job_id, owner, callback_url, callback_id, callback_attempts, completed_at FROM jobs
       WHERE callback_status = 'pending' AND callback_next_at <= ?${notIn(except)} ORDER BY callback_next_at LIMIT ?`,
      now,
      ...except,
      limit,
    );
  }

  /** A job's callback as it stands, or null. */
  pending(jobId: string): PendingCallbackRow | null {
    return one<PendingCallbackRow>(
      this.sql,
      "SELECT owner, callback_status, callback_attempts, completed_at, attempted FROM jobs WHERE job_id = ?",
      jobId,
    );
  }

  /** Counts a try as handed out; until `leaseUntil` it is the host's (after that, due again). */
  lease(jobId: string, leaseUntil: number): void {
    this.sql.exec(
      "UPDATE jobs SET callback_attempts = callback_attempts + 1, callback_next_at = ? WHERE job_id = ?",
      leaseUntil,
      jobId,
    );
  }

  /** Records a try's ending: delivered, failed for good, or pending until `at`. */
  settle(jobId: string, next: { status: string; at?: number }, error: string | null): void {
    this.sql.exec(
      "UPDATE jobs SET callback_status = ?, callback_next_at = ?, callback_last_error = ? WHERE job_id = ?",
      next.status,
      next.at ?? null,
      error,
      jobId,
    );
  }

  /** When the next pending callback of an owner not in `except` falls due (ms epoch), or null. */
  nextAt(except: readonly string[] = []): number | null {
    return (
      one<{ at: number | null }>(
        this.sql,
        `SELECT MIN(callback_next_at) AS at FROM jobs WHERE callback_status = 'pending'${notIn(except)}`,
        ...except,
      )?.at ?? null
    );
  }

  /** When `owner`'s earliest pending callback is tried next (ms epoch), or null. */
  nextOf(owner: string): number | null {
    return (
      one<{ at: number | null }>(
        this.sql,
        "SELECT MIN(callback_next_at) AS at FROM jobs WHERE callback_status = 'pending' AND owner = ?",
        owner,
      )?.at ?? null
    );
  }

  /** Pending callbacks per owner. */
  pendingByOwner(): Map<string, number> {
    const rows = this.sql.exec<{ owner: string; n: number }>(
      "SELECT owner, COUNT(*) AS n FROM jobs WHERE callback_status = 'pending' GROUP BY owner",
    );
    return new Map(rows.map((r) => [r.owner, r.n]));
  }

  /** How many callbacks are pending (read from the due index). */
  pendingCount(): number {
    return one<{ n: number }>(this.sql, "SELECT COUNT(*) AS n FROM jobs WHERE callback_status = 'pending'")?.n ?? 0;
  }
}

// The owners passed over are few (each holds a share of a small in-flight cap): one parameter each.
function notIn(owners: readonly string[]): string {
  return owners.length === 0 ? "" : ` AND owner NOT IN (${owners.map(() => "?").join(", ")})`;
}
