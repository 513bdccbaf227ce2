/**
 * The data directory and its databases, readable by the relay's own user only: the outbox holds every
 * queued notification (openIds, template values) and the callers' job documents. Through node:fs and
 * node:sqlite, which Node and Deno both provide.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { logEvent } from "../../log";
import type { LockDatabase } from "./lock";

/** Directory mode: the owner only (rwx------). */
export const DATA_DIR_MODE = 0o700;
/** Database and lock file mode: the owner only (rw-------); SQLite gives its -wal and -shm files the same. */
export const DATA_FILE_MODE = 0o600;

/** Creates the directory (and parents) if missing, and makes it owner-only. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: DATA_DIR_MODE });
  restrict(path, DATA_DIR_MODE);
}

/** Opens (creating) a database file that only the owner can read, before SQLite writes a byte to it. */
export function openPrivateDatabase(path: string): LockDatabase {
  closeSync(openSync(path, "a", DATA_FILE_MODE));
  // Files an earlier version left readable by others are tightened too.
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) restrict(file, DATA_FILE_MODE);
  return new DatabaseSync(path);
}

// An existing directory or file is tightened too; one the process may not change (another owner) is
// left as it is, and said so, rather than stopping the relay.
function restrict(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (error) {
    logEvent({ event: "permissions_unchanged", path, error: error instanceof Error ? error.message : String(error) });
  }
}
