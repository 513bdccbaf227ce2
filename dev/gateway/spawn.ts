/**
 * Runs the stand-in as its own process (`node dev/gateway/main.ts`, quiet) and talks to it only over
 * its loopback control endpoints (control.ts). Benchmarks use this so the stand-in stamps arrivals on
 * its own clock and its own thread: in the benchmark's process, the client's work (serializing 10,000
 * notifications, reading answers) would delay the stamps and hide or invent bunching.
 */
import { fork } from "node:child_process";
import { setPriority } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ArrivalsView, CountsView, DeliveriesView } from "./control.ts";
import type { GatewaySettings } from "./server.ts";
import type { GatewayStats } from "./stats.ts";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "main.ts");

/** How to start the stand-in process. */
export interface SpawnGatewayOptions {
  /** Port on 127.0.0.1 (0: any free port). */
  port?: number;
  clientId: string;
  /** Folder with the dev keys (dev/keys.ts): the stand-in verifies and signs with them. */
  keysDir: string;
  /** Settings applied once it listens (POST /_control). */
  settings?: Partial<GatewaySettings>;
  /** Receives its output lines; without it, it runs quiet (no line per request). */
  log?: (line: string) => void;
  /** How long it may take to listen, ms (default 15,000). */
  readyTimeoutMs?: number;
  /**
   * A scheduling priority (nice value, lower is sooner) for the stand-in, where this process may set it.
   * Benchmarks raise it: the stand-in plays a gateway on other hardware, so its arrival stamps must not
   * wait for the relay's own CPU use on a small machine. Ignored where not permitted.
   */
  priority?: number;
}

/** A stand-in in another process: the same records as Gateway, read asynchronously. */
export interface GatewayProcess {
  url: string;
  apiUrl: string;
  port: number;
  pid: number;
  stats(detail?: boolean): Promise<GatewayStats>;
  /** Running totals, the stand-in's clock and its loop delay (cheap: poll it). */
  counts(): Promise<CountsView>;
  /** Every arrival time, on the stand-in's clock. */
  arrivals(): Promise<ArrivalsView>;
  /** Every delivered notification whose openId starts with `prefix`, with its request's arrival time. */
  deliveries(prefix?: string): Promise<DeliveriesView>;
  reset(): Promise<void>;
  configure(patch: Partial<GatewaySettings>): Promise<GatewaySettings>;
  settings(): Promise<GatewaySettings>;
  /**
   * The stand-in's clock minus this process's (`performance.timeOrigin + performance.now()`), ms, from
   * the fastest of `samples` round trips (error at most half that round trip).
   */
  clockOffsetMs(samples?: number): Promise<number>;
  /** SIGTERM, then SIGKILL after 3 s; resolves once it exited. */
  close(): Promise<void>;
}

/** Starts the stand-in process and resolves once it listens with `settings` applied. */
export async function spawnGateway(options: SpawnGatewayOptions): Promise<GatewayProcess> {
  // The stand-in is TypeScript run by type stripping (Node ≥ 22.18): reuse this Node when it can.
  const execPath = process.features.typescript
    ? process.execPath
    : join(dirname(MAIN), "..", "..", "node_modules", ".bin", "node");
  const child = fork(MAIN, [], {
    execPath,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    env: {
      // Only the settings given here: a developer's GATEWAY_* variables must not change a benchmark.
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GATEWAY_"))),
      GATEWAY_HOST: "127.0.0.1",
      GATEWAY_PORT: String(options.port ?? 0),
      GATEWAY_CLIENT_ID: options.clientId,
      GATEWAY_KEYS_DIR: options.keysDir,
      GATEWAY_QUIET: options.log ? "false" : "true",
    },
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8").on("data", (chunk: string) => {
      for (const line of chunk.split("\n").filter(Boolean)) {
        output.push(line);
        if (output.length > 50) output.shift();
        options.log?.(line);
      }
    });
  }
  if (options.priority !== undefined && child.pid !== undefined) {
    try {
      setPriority(child.pid, options.priority);
    } catch {
      // not permitted (an unprivileged user may only lower priority): stamps may then lag on a busy machine
    }
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = await new Promise<{ url: string; apiUrl: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("the stand-in did not start in time")),
      options.readyTimeoutMs ?? 15_000,
    );
    child.once("message", (m) => {
      clearTimeout(timer);
      resolve(m as { url: string; apiUrl: string });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the stand-in exited (code ${code}) before listening:\n${output.join("\n")}`));
    });
  }).catch((e: unknown) => {
    child.kill("SIGKILL");
    throw e;
  });

  const call = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(ready.url + path, init);
    if (!res.ok) throw new Error(`stand-in ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const post = (body: unknown = {}): RequestInit => ({ method: "POST", body: JSON.stringify(body) });
  const here = () => performance.timeOrigin + performance.now();

  const handle: GatewayProcess = {
    url: ready.url,
    apiUrl: ready.apiUrl,
    port: Number(new URL(ready.url).port),
    pid: child.pid!,
    stats: (detail = true) => call(detail ? "/_stats" : "/_stats?summary"),
    counts: () => call("/_counts"),
    arrivals: () => call("/_arrivals"),
    deliveries: (prefix = "") => call(`/_deliveries?prefix=${encodeURIComponent(prefix)}`),
    reset: async () => void (await call("/_reset", post())),
    configure: (patch) => call("/_control", post(patch)),
    settings: () => call("/_control"),
    async clockOffsetMs(samples = 7) {
      let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
      for (let i = 0; i < samples; i++) {
        const sent = here();
        const { now } = await handle.counts();
        const back = here();
        // The stand-in read its clock somewhere in the round trip; the middle is the best guess.
        if (back - sent < best.rtt) best = { rtt: back - sent, offset: now - (sent + back) / 2 };
      }
      return best.offset;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
  if (options.settings) await handle.configure(options.settings);
  return handle;
}
