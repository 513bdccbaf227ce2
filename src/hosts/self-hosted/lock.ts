/**
 * One process per data directory. Two relays on one outbox would each pace at the full quota and lease
 * each other's batches, so the second one must refuse to start.
 *
 * The lock is SQLite's own file lock on `relay.lock` beside the outbox: the holder keeps a write
 * transaction open for its whole life. The operating system drops the lock when the process dies,
 * SIGKILL included, so a crashed relay never leaves a stale lock. The lock file is in WAL mode, so a
 * second process can still read the holder's pid (committed before the lock was taken) for its message.
 */
import type { SqliteDatabase } from "./sqlite";

/** The lock file's name inside the data directory. */
export const LOCK_FILE = "relay.lock";

/** The held lock, or who holds it. */
export type LockResult = { ok: true; release(): void } | { ok: false; message: string };

/** What the lock needs: a node:sqlite database that can be closed. */
export interface LockDatabase extends SqliteDatabase {
  close(): void;
}

/** Takes the data directory's lock through `db` (open on `<dir>/relay.lock`); never waits. */
export function takeDirectoryLock(db: LockDatabase, dataDir: string, pid: number, now: number): LockResult {
  db.exec("PRAGMA busy_timeout = 0");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since INTEGER NOT NULL)");
  const claim = (): boolean => {
    try {
      db.exec("BEGIN IMMEDIATE");
      return true;
    } catch {
      return false;
    }
  };
  // Claim, record our pid where a refused process can read it, then hold the write lock for good. If
  // another process slips in between the two claims, it is the holder and it has written its own pid.
  let held = claim();
  if (held) {
    db.prepare("DELETE FROM holder").all();
    db.prepare("INSERT INTO holder (pid, since) VALUES (?, ?)").all(pid, now);
    db.exec("COMMIT");
    held = claim();
  }
  if (!held) {
    const row = db.prepare("SELECT pid, since FROM holder").all()[0] as { pid: number; since: number } | undefined;
    db.close();
    const who = row ? `process ${row.pid} (since ${new Date(row.since).toISOString()})` : "another process";
    return {
      ok: false,
      message: `RELAY_DATA_DIR ${dataDir} is in use by ${who}: one relay process per data directory. Stop it, or give this one another RELAY_DATA_DIR.`,
    };
  }
  return {
    ok: true,
    release: () => {
      db.exec("ROLLBACK");
      db.close();
    },
  };
}
