/**
 * What the engine does for the outbox itself, apart from sending: bring it back after a restart
 * (migrate, check the pinned clientId, reload what survives in storage) and prune finished jobs in
 * bounded chunks on its own wake-ups.
 */
import type { logEvent } from "../log";
import { type BreakerState, type Hold, hold } from "./decide/breaker";
import type { Outbox } from "./store/outbox";
import { type PacerState, restorePacer, guardOf } from "./decide/pacer";
import type { DedupKeys } from "./store/dedup-keys";
import { migrate } from "./store/migrations";
import type { QueuedRunRow } from "./store/rows";
import type { EngineSettings } from "./settings";
import type { SqlAdapter } from "./store/sql";

/** Rows one prune step deletes at most, so pruning never holds the thread long. */
export const PRUNE_CHUNK_ROWS = 500;
/** How often pruning looks again while there is nothing old enough, ms. */
const PRUNE_IDLE_MS = 3_600_000;
/** Between two prune chunks while old rows remain, ms. */
const PRUNE_BUSY_MS = 1_000;

/** What an engine holds in memory, as reloaded from its outbox. */
export interface Restored {
  mismatch: Hold | null;
  breaker: BreakerState;
  deadlines: boolean;
  pacer: PacerState;
  /** The queued runs, for the queue in memory. */
  queued: QueuedRunRow[];
}

/** Migrates the outbox, pins the clientId (a mismatch holds sending), and reloads the outbox's counts, holds and the pace. */
export function restore(
  sql: SqlAdapter,
  outbox: Outbox,
  settings: EngineSettings,
  now: number,
  log: typeof logEvent,
): Restored {
  const { from, to } = migrate(sql);
  if (from !== to) log({ event: "outbox_migrated", from, to });
  let mismatch: Hold | null = null;
  const pinned = outbox.getMeta<string>("client_id");
  if (pinned === null) outbox.setMeta("client_id", settings.clientId);
  else if (pinned !== settings.clientId) {
    // Sending this outbox under another clientId would use the wrong quota and key; hold instead.
    const reason = `this outbox belongs to clientId ${pinned}, but ALIPAY_CLIENT_ID is ${settings.clientId}: sending is held`;
    mismatch = hold("client-mismatch", reason, now).hold;
    log({ event: "client_mismatch", pinned, configured: settings.clientId });
  }
  // Runs staged by a request this instance's predecessor never finished storing: never queued, dropped.
  const dropped = outbox.dropStaged(null);
  if (dropped > 0) log({ event: "staged_runs_dropped", runs: dropped });
  const queued = outbox.load();
  const windowMs = 1000 + guardOf(settings.pacer);
  return {
    mismatch,
    breaker: { hold: outbox.getMeta<Hold>("hold"), run: null },
    deadlines: outbox.hasDeadlines(),
    queued,
    pacer: restorePacer(outbox.getMeta("pacer"), outbox.sentSince(now - windowMs), settings.pacer, now),
  };
}

/** Deletes one bounded chunk of what is past its retention; returns when to prune again (ms epoch). */
export function pruneStep(outbox: Outbox, dedupKeys: DedupKeys, settings: EngineSettings, now: number): number {
  const before = now - settings.jobRetentionMs;
  const deleted = outbox.sql.bookkeeping(
    () => outbox.prune(before, PRUNE_CHUNK_ROWS) + dedupKeys.prune(now - settings.dedupWindowMs, PRUNE_CHUNK_ROWS),
  );
  if (deleted >= PRUNE_CHUNK_ROWS) return now + PRUNE_BUSY_MS;
  const oldest = outbox.oldestCompletedAt();
  if (oldest === null) return now + PRUNE_IDLE_MS;
  return Math.min(now + PRUNE_IDLE_MS, Math.max(now + PRUNE_BUSY_MS, oldest + settings.jobRetentionMs + 1));
}
