/**
 * Runs the relay under `wrangler dev` (local mode, no account, offline) as a child process group.
 *
 * The child gets its own process group (detached) so that stopping it also stops what it spawned
 * (workerd, esbuild) and so a terminal Ctrl-C reaches only our CLI, which then stops things in order.
 * If this Node process exits for any reason short of SIGKILL, the group is killed with it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";

/** How to start wrangler dev. */
export interface RelayProcessOptions {
  /** Project root (holds wrangler.toml and node_modules). */
  root: string;
  port: number;
  inspectorPort: number;
  /** Durable Object storage folder; reusing it keeps state across restarts. */
  persistTo: string;
  /** The dotenv file with the Worker's settings (wrangler then ignores the root .dev.vars). */
  envFile: string;
  /** Receives wrangler's output, line by line. */
  log: (line: string) => void;
}

/** A running wrangler dev. */
export interface RelayProcess {
  pid: number;
  /** Settles when wrangler exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the relay answers HTTP at `url`; rejects if wrangler exits first, time runs out or `signal` aborts. */
  waitReady(url: string, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Stops the whole process group: `signal` first, SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** The last lines wrangler printed (for error messages). */
  tail(): string[];
}

/** Starts `wrangler dev --local` for the project at `options.root`. */
export function spawnRelay(options: RelayProcessOptions): RelayProcess {
  const wrangler = join(options.root, "node_modules", "wrangler", "bin", "wrangler.js");
  if (!existsSync(wrangler)) throw new Error(`wrangler is not installed at ${wrangler}: run npm install`);
  const args = [
    wrangler, "dev", "--local",
    "--ip", "127.0.0.1", "--port", String(options.port),
    "--inspector-ip", "127.0.0.1", "--inspector-port", String(options.inspectorPort),
    "--persist-to", options.persistTo,
    "--env-file", options.envFile,
    "--show-interactive-dev-session=false",
  ];
  return spawnSupervised("wrangler dev", process.execPath, args, {
    cwd: options.root,
    log: options.log,
    env: {
      ...process.env,
      // Whatever wrangler spawns with `node` should get this same (new enough) Node.
      PATH: `${dirname(process.execPath)}:${join(options.root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_NO_SKILLS_UPDATE_PROMPTS: "true",
      // Offline: do not try to download the Request.cf object (it only warns and falls back anyway).
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
    },
  });
}

/**
 * Runs `command` as its own process group (see the top of this file) and supervises it: its output
 * line by line, readiness over HTTP, and stopping the whole group. `name` appears in error messages.
 */
export function spawnSupervised(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; log: (line: string) => void },
): RelayProcess {
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env,
  });
  const pid = child.pid!;
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      options.log(line);
    });
  }
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  const killOnExit = () => killGroup("SIGKILL");
  process.on("exit", killOnExit);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      // wrangler is gone; make sure nothing it started (workerd) outlives it.
      killGroup("SIGKILL");
      process.off("exit", killOnExit);
      resolve({ code, signal });
    });
  });
  let done = false;
  void exited.then(() => (done = true));

  return {
    pid,
    exited,
    tail: () => [...lines],
    async waitReady(url, timeoutMs, signal) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        signal?.throwIfAborted();
        if (done) throw new Error(`${name} exited before it was ready:\n${lines.slice(-30).join("\n")}`);
        try {
          await fetch(url, { signal: AbortSignal.timeout(2000) });
          return; // any HTTP answer means the Worker is serving
        } catch {
          await sleep(200);
        }
      }
      throw new Error(`${name} did not answer at ${url} within ${timeoutMs} ms:\n${lines.slice(-30).join("\n")}`);
    },
    async stop(signal = "SIGTERM", graceMs = 5000) {
      if (done) return;
      killGroup(signal);
      const timer = setTimeout(() => killGroup("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
