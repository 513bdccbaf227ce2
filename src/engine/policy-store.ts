/**
 * The outbox's SQL for the delivery policies and operator controls: cancelling and expiring queued
 * batches, remembered dedupKeys, and completion callbacks. Only the engine calls it, inside its
 * transactions; every write touches the rows of one job or one chunk.
 */
import { type SqlAdapter, type SqlValue, one } from "./sql";

/** What ending some batches of one job without sending them did. */
export interface Ended {
  jobId: string;
  batches: number;
  notifications: number;
  /** True when this completed the job. */
  completed: boolean;
}

/** A callback try the engine hands to its host. */
export interface DueCallbackRow {
  job_id: string;
  owner: string;
  callback_url: string;
  callback_id: string;
  callback_attempts: number;
  completed_at: number;
}

// Durable Object SQL allows 100 bound parameters per statement.
const KEYS_PER_LOOKUP = 98;
const KEYS_PER_INSERT = 25;

/** Ends every queued batch of a job as `cancelled` (in-flight ones finish on their own). */
export function cancelQueued(sql: SqlAdapter, jobId: string, now: number): Ended {
  const rows = sql.exec<{ size: number }>(
    "UPDATE batches SET state = 'cancelled', lease_until = NULL WHERE job_id = ? AND state = 'queued' RETURNING size",
    jobId,
  );
  return settleWithout(sql, jobId, "cancelled", rows, now);
}

/** Ends every queued batch whose deadline is at or before `now` as `expired`; one entry per job touched. */
export function expireDue(sql: SqlAdapter, now: number): Ended[] {
  const rows = sql.exec<{ job_id: string; size: number }>(
    "UPDATE batches SET state = 'expired', lease_until = NULL WHERE state = 'queued' AND expires_at <= ? RETURNING job_id, size",
    now,
  );
  const byJob = new Map<string, { size: number }[]>();
  for (const row of rows) byJob.set(row.job_id, [...(byJob.get(row.job_id) ?? []), row]);
  return [...byJob].map(([jobId, sizes]) => settleWithout(sql, jobId, "expired", sizes, now));
}

/** The earliest deadline among queued batches (ms epoch), or null. */
export function nextExpiry(sql: SqlAdapter): number | null {
  return one<{ at: number | null }>(sql, "SELECT MIN(expires_at) AS at FROM batches WHERE state = 'queued' AND expires_at IS NOT NULL")?.at ?? null;
}

/** True when a queued or in-flight batch has a deadline. */
export function hasDeadlines(sql: SqlAdapter): boolean {
  return one(sql, "SELECT 1 AS x FROM batches WHERE expires_at IS NOT NULL AND state IN ('queued', 'in_flight') LIMIT 1") !== null;
}

// Batches ended without a send: payloads go, the job's counters move, and its last batch completes it.
function settleWithout(sql: SqlAdapter, jobId: string, column: "cancelled" | "expired", rows: { size: number }[], now: number): Ended {
  if (rows.length === 0) return { jobId, batches: 0, notifications: 0, completed: false };
  const notifications = rows.reduce((n, r) => n + r.size, 0);
  sql.exec(`DELETE FROM payloads WHERE batch_id IN (SELECT batch_id FROM batches WHERE job_id = ? AND state = ?)`, jobId, column);
  const done = sql.exec<{ completed_at: number | null }>(
    `UPDATE jobs SET ${column} = ${column} + ?, settled_batches = settled_batches + ?,
       completed_at = CASE WHEN settled_batches + ? >= batch_count THEN ? ELSE completed_at END
     WHERE job_id = ? RETURNING completed_at`,
    notifications, rows.length, rows.length, now, jobId,
  );
  return { jobId, batches: rows.length, notifications, completed: done[0]?.completed_at === now };
}

/** Which of `keys` the owner had accepted at or after `since` (ms epoch). */
export function seenKeys(sql: SqlAdapter, owner: string, keys: readonly string[], since: number): Set<string> {
  const seen = new Set<string>();
  for (let start = 0; start < keys.length; start += KEYS_PER_LOOKUP) {
    const chunk = keys.slice(start, start + KEYS_PER_LOOKUP);
    const rows = sql.exec<{ dedup_key: string }>(
      `SELECT dedup_key FROM dedup_keys WHERE owner = ? AND accepted_at >= ? AND dedup_key IN (${chunk.map(() => "?").join(", ")})`,
      owner, since, ...chunk,
    );
    for (const row of rows) seen.add(row.dedup_key);
  }
  return seen;
}

/** Remembers the keys a job was accepted under (a key remembered from before the window is renewed). */
export function rememberKeys(sql: SqlAdapter, owner: string, keys: readonly string[], jobId: string, now: number): void {
  for (let start = 0; start < keys.length; start += KEYS_PER_INSERT) {
    const chunk = keys.slice(start, start + KEYS_PER_INSERT);
    const params: SqlValue[] = chunk.flatMap((key) => [owner, key, jobId, now]);
    sql.exec(
      `INSERT INTO dedup_keys (owner, dedup_key, job_id, accepted_at) VALUES ${chunk.map(() => "(?, ?, ?, ?)").join(", ")}
       ON CONFLICT(owner, dedup_key) DO UPDATE SET job_id = excluded.job_id, accepted_at = excluded.accepted_at`,
      ...params,
    );
  }
}

/** Forgets up to `maxRows` keys accepted before `before`; returns how many went. */
export function pruneKeys(sql: SqlAdapter, before: number, maxRows: number): number {
  return sql.exec(
    "DELETE FROM dedup_keys WHERE rowid IN (SELECT rowid FROM dedup_keys WHERE accepted_at < ? LIMIT ?) RETURNING job_id",
    before, maxRows,
  ).length;
}

/** Starts a completed job's callback, if it has one: due now, under a fresh webhook-id. */
export function scheduleCallback(sql: SqlAdapter, jobId: string, webhookId: string, now: number): boolean {
  return (
    sql.exec(
      `UPDATE jobs SET callback_status = 'pending', callback_id = ?, callback_next_at = ?
       WHERE job_id = ? AND callback_url IS NOT NULL AND callback_status IS NULL RETURNING job_id`,
      webhookId, now, jobId,
    ).length > 0
  );
}

/** Up to `limit` callbacks due at `now`, earliest first. */
export function dueCallbacks(sql: SqlAdapter, now: number, limit: number): DueCallbackRow[] {
  return sql.exec<DueCallbackRow>(
    `SELECT job_id, owner, callback_url, callback_id, callback_attempts, completed_at FROM jobs
     WHERE callback_status = 'pending' AND callback_next_at <= ? ORDER BY callback_next_at LIMIT ?`,
    now, limit,
  );
}

/** Counts a try as handed out; until `leaseUntil` it is the host's (after that, due again). */
export function leaseCallback(sql: SqlAdapter, jobId: string, leaseUntil: number): void {
  sql.exec("UPDATE jobs SET callback_attempts = callback_attempts + 1, callback_next_at = ? WHERE job_id = ?", leaseUntil, jobId);
}

/** Records a try's ending: delivered, failed for good, or pending until `at`. */
export function settleCallback(sql: SqlAdapter, jobId: string, next: { status: string; at?: number }, error: string | null): void {
  sql.exec(
    "UPDATE jobs SET callback_status = ?, callback_next_at = ?, callback_last_error = ? WHERE job_id = ?",
    next.status, next.at ?? null, error, jobId,
  );
}

/** When the next pending callback falls due (ms epoch), or null. */
export function nextCallbackAt(sql: SqlAdapter): number | null {
  return one<{ at: number | null }>(sql, "SELECT MIN(callback_next_at) AS at FROM jobs WHERE callback_status = 'pending'")?.at ?? null;
}
