/**
 * Shared by the end-to-end test files: one local run (relay under wrangler dev + stand-in) at a time
 * across files, so that the pace they check is not skewed by another file's relay competing for CPU.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalRun, type LocalRunOptions, startLocalRun } from "../../dev/local-run.ts";
import { until } from "../support/until.ts";

const LOCK_DIR = join(tmpdir(), "alipay-notify-relay-e2e.lock");

/** Takes the cross-file lock (waiting up to `timeoutMs`); resolves to its release. A dead holder's lock is taken over. */
export async function acquireE2eLock(timeoutMs = 600_000): Promise<() => Promise<void>> {
  await until(
    async () => {
      try {
        await mkdir(LOCK_DIR); // atomic: exactly one caller creates it
        await writeFile(join(LOCK_DIR, "owner"), String(process.pid));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const owner = Number(await readFile(join(LOCK_DIR, "owner"), "utf8").catch(() => ""));
      if (owner > 0 && owner !== process.pid && !isAlive(owner)) await rm(LOCK_DIR, { recursive: true, force: true });
      return false;
    },
    timeoutMs,
    `${LOCK_DIR}, held by another end-to-end run`,
    200,
  );
  return () => rm(LOCK_DIR, { recursive: true, force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A local run for an end-to-end file: the lock, then the relay on a frozen copy of its sources. */
export interface E2eRun {
  run: LocalRun;
  /** Stops the run and releases the lock; safe to call more than once, also after a failed start. */
  stop(): Promise<void>;
}

/** Starts a local run under the cross-file lock (see acquireE2eLock). */
export async function startE2eRun(options: LocalRunOptions): Promise<E2eRun> {
  const release = await acquireE2eLock();
  let run: LocalRun;
  try {
    run = await startLocalRun({ snapshot: true, ...options });
  } catch (error) {
    await release();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    run,
    stop: () => (stopping ??= run.stop().finally(release)),
  };
}
