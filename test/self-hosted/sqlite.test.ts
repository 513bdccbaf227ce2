/**
 * The self-hosted SQL adapter's two kinds of commit: a durable one (FULL: synced to disk before it
 * returns, what a 202 promises) and the engine's bookkeeping (NORMAL in WAL: safe from a killed process,
 * no sync); bookkeeping nested in a durable transaction is durable, never the other way round.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { nodeSqlite } from "../../src/hosts/self-hosted/sqlite";

const dir = mkdtempSync(join(tmpdir(), "relay-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the node:sqlite adapter", () => {
  const db = new DatabaseSync(join(dir, "outbox.sqlite"));
  db.exec("PRAGMA journal_mode = WAL");
  const sql = nodeSqlite(db);
  sql.exec("CREATE TABLE t (x INTEGER)");
  // 2 = FULL, 1 = NORMAL (https://sqlite.org/pragma.html#pragma_synchronous)
  const level = () => sql.exec<{ synchronous: number }>("PRAGMA synchronous")[0]?.synchronous;

  it("syncs a durable commit and not a bookkeeping one; bookkeeping inside a durable one is durable", () => {
    expect(sql.transaction(level)).toBe(2);
    expect(sql.bookkeeping(level)).toBe(1);
    expect(sql.transaction(() => sql.bookkeeping(level))).toBe(2);
    // The other way round would quietly lose the sync a caller was promised.
    expect(() => sql.bookkeeping(() => sql.transaction(level))).toThrow(
      "a durable transaction inside a bookkeeping one",
    );
  });

  it("either kind is one transaction: all of it lands, or none of it", () => {
    sql.bookkeeping(() => sql.exec("INSERT INTO t VALUES (1), (2)"));
    expect(() =>
      sql.transaction(() => {
        sql.exec("INSERT INTO t VALUES (3)");
        throw new Error("no");
      }),
    ).toThrow("no");
    expect(sql.exec("SELECT x FROM t ORDER BY x")).toEqual([{ x: 1 }, { x: 2 }]);
  });
});
