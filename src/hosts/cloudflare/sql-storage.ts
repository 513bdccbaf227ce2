/** The engine's SQL adapter over a Durable Object's SQLite storage. */
import type { SqlAdapter, SqlValue } from "../../engine/store/sql";

/** Wraps `ctx.storage` (its `sql` and `transactionSync`) for the engine. */
export function durableObjectSql(storage: DurableObjectStorage): SqlAdapter {
  return {
    exec: <T extends object>(query: string, ...params: SqlValue[]) =>
      storage.sql.exec(query, ...(params as SqlStorageValue[])).toArray() as unknown as T[],
    transaction: (fn) => storage.transactionSync(fn),
    // Durable Object storage confirms every write before the object's output is released: one kind only.
    bookkeeping: (fn) => storage.transactionSync(fn),
    databaseBytes: () => storage.sql.databaseSize,
  };
}
