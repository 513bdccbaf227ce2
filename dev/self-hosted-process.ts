/**
 * Runs the self-hosted relay (Node or Deno) as a child process group for local runs, tests and the
 * bench: the bundle built once by scripts/self-hosted.ts, its settings passed as environment variables.
 */
import { runtimeCommand, type SelfHostedRuntime } from "../scripts/self-hosted.ts";
import { type RelayProcess, spawnSupervised } from "./relay-process.ts";

/** How to start one self-hosted relay. */
export interface SelfHostedProcessOptions {
  runtime: SelfHostedRuntime;
  /** Project root (holds node_modules, where Deno comes from). */
  root: string;
  /** The built bundle (buildSelfHosted). */
  bundle: string;
  port: number;
  /** RELAY_DATA_DIR: reusing it keeps the outbox across restarts. */
  dataDir: string;
  /** The relay's settings (ALIPAY_*, RELAY_*). */
  vars: Record<string, string>;
  log: (line: string) => void;
}

/** Starts the relay; nothing of this process's environment but PATH and HOME reaches it. */
export function spawnSelfHosted(options: SelfHostedProcessOptions): RelayProcess {
  const { command, args } = runtimeCommand(options.runtime, options.bundle, options.root, { dataDir: options.dataDir, sources: options.vars.RELAY_SOURCES });
  return spawnSupervised(`the ${options.runtime} relay`, command, args, {
    cwd: options.root,
    log: options.log,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      // Deno keeps its caches under DENO_DIR; the bundle needs none, but Deno still wants a writable one.
      ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
      ...options.vars,
      PORT: String(options.port),
      HOST: "127.0.0.1",
      RELAY_DATA_DIR: options.dataDir,
    },
  });
}
