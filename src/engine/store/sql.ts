/**
 * The one thing the engine needs from a database: run a statement and get its rows, run a function as
 * one transaction (durable, or bookkeeping), and tell the database's size. Durable Object `SqlStorage`, `node:sqlite` in Node
 * ≥ 22.5 and Deno all fit behind it in a few lines (see the hosts), so the same SQL runs everywhere.
 */

/** A value the outbox stores: text, numbers and NULL (it keeps no blobs). */
export type SqlValue = string | number | null;

/** A row as returned: column name → value. */
export type SqlRow = Record<string, SqlValue>;

/** What a host provides: a synchronous SQLite connection owned by one engine. */
export interface SqlAdapter {
  /** Runs one statement with positional `?` parameters and returns its rows (empty for writes without RETURNING). */
  exec<T extends object = SqlRow>(sql: string, ...params: SqlValue[]): T[];
  /**
   * Runs `fn` as one transaction: every write in it lands, or none does (it rethrows). Its commit is
   * durable: it survives a power loss (what an answer to a caller promises, such as a 202).
   */
  transaction<T>(fn: () => T): T;
  /**
   * Runs `fn` as one transaction whose commit must survive the process being killed, but may be lost
   * with the last moments before a power loss (no sync to disk where the database allows it): for the
   * engine's own bookkeeping (a dispatch, a settlement, an expiry, a prune), whose loss costs at most a
   * resend, never an accepted notification. A later durable commit makes it durable too.
   */
  bookkeeping<T>(fn: () => T): T;
  /**
   * The database's size in bytes: its pages in use (a Durable Object's database gives its free pages
   * back by itself; a file keeps them for reuse, and they are not counted).
   */
  databaseBytes(): number;
}

/** The first row of a query, or null. */
export function one<T extends object>(sql: SqlAdapter, query: string, ...params: SqlValue[]): T | null {
  return sql.exec<T>(query, ...params)[0] ?? null;
}
