/**
 * The callers' accepted `dedupKey`s, remembered for RELAY_DEDUP_HOURS: which keys a caller already used,
 * remembering a job's keys (each with its notification's place in the job), forgetting the keys of
 * notifications that ended without leaving, a caller's oldest beyond its limit, and old ones in bounded
 * chunks. How many keys each caller holds is counted once per caller, then moved by these statements.
 */
import type { AcceptedKey } from "../decide/dedup";
import type { SqlAdapter, SqlValue } from "./sql";

// Durable Object SQL allows 100 bound parameters per statement.
const KEYS_PER_LOOKUP = 98;
const KEYS_PER_INSERT = 20;
const RANGES_PER_DELETE = 45;

/** The `dedup_keys` table. */
export class DedupKeys {
  private readonly sql: SqlAdapter;
  /** Keys held per owner (read on first need, then moved by this class's own statements). */
  private readonly held = new Map<string, number>();

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
        owner,
        since,
        ...chunk,
      );
      for (const row of rows) seen.add(row.dedup_key);
    }
    return seen;
  }

  /**
   * Remembers the keys a job was accepted under (a key remembered from before the window is renewed);
   * beyond `limit` keys for the owner, its oldest are forgotten. Returns how many were forgotten so.
   */
  remember(
    owner: string,
    keys: readonly AcceptedKey[],
    jobId: string,
    now: number,
    limit = Number.POSITIVE_INFINITY,
  ): number {
    if (keys.length === 0) return 0;
    const before = this.count(owner);
    for (let start = 0; start < keys.length; start += KEYS_PER_INSERT) {
      const chunk = keys.slice(start, start + KEYS_PER_INSERT);
      const params: SqlValue[] = chunk.flatMap(({ key, seq }) => [owner, key, jobId, now, seq]);
      this.sql.exec(
        `INSERT INTO dedup_keys (owner, dedup_key, job_id, accepted_at, seq) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?)").join(", ")}
         ON CONFLICT(owner, dedup_key) DO UPDATE SET job_id = excluded.job_id, accepted_at = excluded.accepted_at, seq = excluded.seq`,
        ...params,
      );
    }
    // A renewed key adds nothing: counted again exactly only when the bound might be passed.
    let held = before + keys.length;
    if (held > limit) held = this.recount(owner);
    let evicted = 0;
    if (held > limit) {
      evicted = this.sql.exec(
        `DELETE FROM dedup_keys WHERE rowid IN (SELECT rowid FROM dedup_keys WHERE owner = ? ORDER BY accepted_at, rowid LIMIT ?) RETURNING owner`,
        owner,
        held - limit,
      ).length;
      held -= evicted;
    }
    this.held.set(owner, held);
    return evicted;
  }

  /** Forgets the keys a job's notifications `ranges` (places `seq` to `seq + count - 1`) were accepted under. */
  forget(jobId: string, ranges: readonly { seq: number; count: number }[]): number {
    let forgotten = 0;
    for (let start = 0; start < ranges.length; start += RANGES_PER_DELETE) {
      const chunk = ranges.slice(start, start + RANGES_PER_DELETE);
      const rows = this.sql.exec<{ owner: string }>(
        `DELETE FROM dedup_keys WHERE job_id = ? AND (${chunk.map(() => "(seq >= ? AND seq < ?)").join(" OR ")}) RETURNING owner`,
        jobId,
        ...chunk.flatMap((r) => [r.seq, r.seq + r.count]),
      );
      this.uncount(rows);
      forgotten += rows.length;
    }
    return forgotten;
  }

  /** Forgets up to `maxRows` keys accepted before `before`; returns how many went. */
  prune(before: number, maxRows: number): number {
    const rows = this.sql.exec<{ owner: string }>(
      "DELETE FROM dedup_keys WHERE rowid IN (SELECT rowid FROM dedup_keys WHERE accepted_at < ? LIMIT ?) RETURNING owner",
      before,
      maxRows,
    );
    this.uncount(rows);
    return rows.length;
  }

  /** Keys the owner holds. */
  count(owner: string): number {
    return this.held.get(owner) ?? this.recount(owner);
  }

  private recount(owner: string): number {
    const n = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM dedup_keys WHERE owner = ?", owner)[0]?.n ?? 0;
    this.held.set(owner, n);
    return n;
  }

  private uncount(rows: readonly { owner: string }[]): void {
    for (const { owner } of rows) {
      const n = this.held.get(owner);
      if (n !== undefined) this.held.set(owner, Math.max(0, n - 1));
    }
  }
}
