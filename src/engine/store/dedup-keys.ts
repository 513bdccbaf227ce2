/**
 * The callers' accepted `dedupKey`s, remembered for RELAY_DEDUP_HOURS: which keys a caller already used,
 * remembering a job's keys, and forgetting old ones in bounded chunks.
 */
import { type SqlAdapter, type SqlValue } from "./sql";

// Durable Object SQL allows 100 bound parameters per statement.
const KEYS_PER_LOOKUP = 98;
const KEYS_PER_INSERT = 25;

/** The `dedup_keys` table. */
export class DedupKeys {
  private readonly sql: SqlAdapter;

  constructor(sql: SqlAdapter) {
    this.sql = sql;
  }

  /** Which of `keys` the owner had accepted at or after `since` (ms epoch). */
  seen(owner: string, keys: readonly string[], since: number): Set<string> {
    const seen = new Set<string>();
    for (let start = 0; start < keys.length; start += KEYS_PER_LOOKUP) {
      const chunk = keys.slice(start, start + KEYS_PER_LOOKUP);
      const rows = this.sql.exec<{ dedup_key: string }>(
        `SELECT dedup_key FROM dedup_keys WHERE owner = ? AND accepted_at >= ? AND dedup_key IN (${chunk.map(() => "?").join(", ")})`,
        owner, since, ...chunk,
      );
      for (const row of rows) seen.add(row.dedup_key);
    }
    return seen;
  }

  /** Remembers the keys a job was accepted under (a key remembered from before the window is renewed). */
  remember(owner: string, keys: readonly string[], jobId: string, now: number): void {
    for (let start = 0; start < keys.length; start += KEYS_PER_INSERT) {
      const chunk = keys.slice(start, start + KEYS_PER_INSERT);
      const params: SqlValue[] = chunk.flatMap((key) => [owner, key, jobId, now]);
      this.sql.exec(
        `INSERT INTO dedup_keys (owner, dedup_key, job_id, accepted_at) VALUES ${chunk.map(() => "(?, ?, ?, ?)").join(", ")}
         ON CONFLICT(owner, dedup_key) DO UPDATE SET job_id = excluded.job_id, accepted_at = excluded.accepted_at`,
        ...params,
      );
    }
  }

  /** Forgets up to `maxRows` keys accepted before `before`; returns how many went. */
  prune(before: number, maxRows: number): number {
    return this.sql.exec(
      "DELETE FROM dedup_keys WHERE rowid IN (SELECT rowid FROM dedup_keys WHERE accepted_at < ? LIMIT ?) RETURNING job_id",
      before, maxRows,
    ).length;
  }
}
