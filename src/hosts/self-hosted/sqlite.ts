/**
 * The engine's SQL adapter over `node:sqlite` (Node ≥ 22.5 and Deno both provide it). Typed by shape,
 * so this file imports nothing runtime-specific: the entry points open the database and pass it in.
 */
import type { SqlAdapter, SqlValue } from "../../engine/store/sql";

/** The part of `node:sqlite`'s DatabaseSync the adapter uses. */
export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): { all(...params: SqlValue[]): unknown[] };
}

/** Wraps an open DatabaseSync; statements are prepared once and reused. */
export function nodeSqlite(db: SqliteDatabase): SqlAdapter {
  const statements = new Map<string, ReturnType<SqliteDatabase["prepare"]>>();
  const prepared = (query: string) => {
    let statement = statements.get(query);
    if (!statement) {
      statement = db.prepare(query);
      statements.set(query, statement);
    }
    return statement;
  };
  let depth = 0;
  /** The sync level in force (WAL: FULL syncs every commit; NORMAL syncs at checkpoints only). */
  let synchronous: "FULL" | "NORMAL" | null = null;
  const run = <T>(fn: () => T, level: "FULL" | "NORMAL"): T => {
    // Nested calls join the outer transaction (and its level), as Durable Object transactionSync does;
    // a durable commit cannot hide inside a bookkeeping one.
    if (depth > 0) {
      if (level === "FULL" && synchronous === "NORMAL")
        throw new Error("a durable transaction inside a bookkeeping one");
      return fn();
    }
    if (synchronous !== level) {
      db.exec(`PRAGMA synchronous = ${level}`);
      synchronous = level;
    }
    db.exec("BEGIN IMMEDIATE");
    depth += 1;
    try {
      const result = fn();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    } finally {
      depth -= 1;
    }
  };
  const adapter: SqlAdapter = {
    exec: <T extends object>(query: string, ...params: SqlValue[]) => prepared(query).all(...params) as T[],
    transaction: (fn) => run(fn, "FULL"),
    // In WAL mode a NORMAL commit is safe from a killed process (the OS has it) and skips the fsync;
    // the next FULL commit syncs it along with its own.
    bookkeeping: (fn) => run(fn, "NORMAL"),
    databaseBytes: () => {
      // Pages in use: the file keeps the pages freed by sent notifications (reused by the next ones), and a
      // cap on the file's size would refuse new work for good once it had been reached.
      const pages = adapter.exec<{ page_count: number }>("PRAGMA page_count")[0]?.page_count ?? 0;
      const free = adapter.exec<{ freelist_count: number }>("PRAGMA freelist_count")[0]?.freelist_count ?? 0;
      const size = adapter.exec<{ page_size: number }>("PRAGMA page_size")[0]?.page_size ?? 0;
      return (pages - free) * size;
    },
  };
  return adapter;
}
