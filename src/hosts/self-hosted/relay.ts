/**
 * Starts the relay in a self-hosted process (Deno or Node): settings from the process environment, the
 * data directory's lock, the SQLite outbox, the dispatcher and its pump, and the Hono app in front with
 * an optional static directory. The runtime entries (`src/hosts/deno`, `src/hosts/node`) add only what
 * differs per runtime: opening files, serving HTTP, signals.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { hostedApp } from "../../http/app";
import { setLogSink } from "../../log";
import { loadRuntime } from "../../runtime";
import type { CallbackDestinations } from "../../security/callback-destination";
import { ProcessDispatcher } from "./dispatcher";
import { LOCK_FILE, type LockDatabase, takeDirectoryLock } from "./lock";
import { batchedLines, type LineOutput } from "./log-sink";
import { type HostSettings, parseHostSettings } from "./settings";
import { nodeSqlite } from "./sqlite";

/** The outbox's file name inside RELAY_DATA_DIR. */
export const OUTBOX_FILE = "outbox.sqlite";

/** What a runtime gives the relay. */
export interface Platform {
  /** The process environment. */
  vars: Record<string, string | undefined>;
  pid: number;
  /** Creates a directory and its parents if missing. */
  ensureDir(path: string): void;
  /** Opens (creating) a `node:sqlite` database file. */
  openDatabase(path: string): LockDatabase;
  fetch: typeof fetch;
  /** The fetch completion callbacks go through: only to addresses `destinations` allow (callback-fetch.ts). */
  callbackFetch(destinations: CallbackDestinations): typeof fetch;
  /** Where log lines go (stdout), written in batches; absent: the console, a call per line. */
  logOutput?: LineOutput;
}

/** A started relay. */
export interface SelfHostedRelay {
  settings: HostSettings;
  /** Answers one HTTP request: the static directory first (when given), then the relay's API. */
  fetch(request: Request): Response | Promise<Response>;
  /** Stops sending and waits up to RELAY_SHUTDOWN_GRACE_MS for sends on the wire; returns how many are still out. */
  stopSending(): Promise<number>;
  /** Closes the outbox and releases the data directory's lock. */
  close(): void;
}

/** Starts the relay, or says why it cannot (every bad setting named, or who holds the data directory). */
export async function startRelay(
  platform: Platform,
  serveStatic?: MiddlewareHandler,
): Promise<{ ok: true; relay: SelfHostedRelay } | { ok: false; message: string }> {
  const host = parseHostSettings(platform.vars);
  const logs = platform.logOutput ? batchedLines(platform.logOutput) : undefined;
  if (logs) setLogSink(logs.sink);
  // The process environment holds the same setting names as the Worker's bindings.
  const env = platform.vars;
  const loaded = await loadRuntime(env);
  const errors = [...(host.ok ? [] : host.errors), ...(loaded.ok ? [] : loaded.errors)];
  if (!host.ok || !loaded.ok) {
    return {
      ok: false,
      message: `configuration invalid:\n${errors.map((e) => `  ${e.setting}: ${e.problem}`).join("\n")}`,
    };
  }
  const { settings } = host;
  const dir = settings.dataDir.replace(/\/+$/, "") || "/";
  platform.ensureDir(dir);
  const lock = takeDirectoryLock(platform.openDatabase(`${dir}/${LOCK_FILE}`), dir, platform.pid, Date.now());
  if (!lock.ok) return { ok: false, message: lock.message };

  const db = platform.openDatabase(`${dir}/${OUTBOX_FILE}`);
  // WAL with a full sync on every commit: a 202 is answered only after its job is on disk.
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  const { callbackAllowLocal, callbackHosts } = loaded.runtime.config;
  const callbackFetch = platform.callbackFetch({ allowLocal: callbackAllowLocal, hosts: callbackHosts });
  const dispatcher = new ProcessDispatcher(nodeSqlite(db), loaded.runtime, platform.fetch, callbackFetch);
  dispatcher.start();

  // Browser files first (as Workers Static Assets does), then the app with this process's dispatcher.
  const relayApp = hostedApp<typeof env>(async (c, next) => {
    c.set("dispatcher", dispatcher.service);
    await next();
  });
  const front = new Hono();
  if (serveStatic) front.use("*", serveStatic);
  front.all("*", (c) => relayApp.fetch(c.req.raw, env));
  const running = dispatcher;
  return {
    ok: true,
    relay: {
      settings,
      fetch: (request) => front.fetch(request),
      stopSending: async () => (await running.stop(settings.shutdownGraceMs)).unfinished,
      close: () => {
        logs?.flush();
        db.close();
        lock.release();
      },
    },
  };
}
