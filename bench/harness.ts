/**
 * What every benchmark phase shares: a fresh local run (relay on a frozen copy of its sources, stand-in
 * in its own process, stamping arrivals on its own thread) that is stopped whatever happens, Ctrl-C
 * included, and a note of how busy the rest of the machine was meanwhile (other processes' CPU skews
 * every figure here).
 */
import type { GatewayProcess } from "../dev/gateway/spawn.ts";
import { type LocalRun, type LocalRunOptions, startLocalRun } from "../dev/local-run.ts";
import { makeNotifications, type RelayClient, relayClient } from "../dev/relay-client.ts";
import { HAS_PROC, machineBusyMs, ownTreeMs } from "./proc-cpu.ts";

/** The stand-in's nice value during a benchmark (lower runs sooner). */
export const STAND_IN_PRIORITY = -10;

/** A local run whose stand-in is its own process. */
export type BenchRun = LocalRun<GatewayProcess>;

const running = new Set<BenchRun>();
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\n${signal}: stopping the local runs…`);
    void Promise.allSettled([...running].map((r) => r.stop())).then(() => process.exit(130));
  });
}

/** A phase's view of its run. */
export interface PhaseContext {
  run: BenchRun;
  client: RelayClient;
}

/** How busy other processes kept the machine during a phase: their CPU ÷ (wall time × cores). */
export interface MachineNoise {
  wallMs: number;
  foreignCpuShare: number | null;
}

/** Runs `phase` against a fresh local run and stops it afterwards. */
export async function withRun<T>(
  options: LocalRunOptions,
  phase: (ctx: PhaseContext) => Promise<T>,
): Promise<{ result: T; noise: MachineNoise }> {
  // The stand-in plays AlipayHK on other hardware: raised priority keeps its arrival stamps from waiting
  // on the relay's CPU use (where the bench may raise it; its loop delay is reported either way).
  const run = await startLocalRun({ snapshot: true, gatewayPriority: STAND_IN_PRIORITY, ...options, gatewayProcess: true });
  running.add(run);
  try {
    const client = relayClient(run.relayUrl, run.apiKey);
    const started = performance.now();
    const busy0 = HAS_PROC ? machineBusyMs() : 0;
    const own0 = HAS_PROC ? ownTreeMs() : 0;
    const result = await phase({ run, client });
    const wallMs = performance.now() - started;
    const foreign = HAS_PROC ? machineBusyMs() - busy0 - (ownTreeMs() - own0) : null;
    const cores = (await import("node:os")).availableParallelism();
    return {
      result,
      noise: { wallMs, foreignCpuShare: foreign === null ? null : Math.max(0, foreign) / (wallMs * cores) },
    };
  } finally {
    running.delete(run);
    await run.stop();
  }
}

/** A request body of `count` notifications (serialized once, so the client's JSON work is not timed). */
export function bodyOf(tag: string, count: number): string {
  return JSON.stringify({ notifications: makeNotifications(tag, count) });
}

/** Submits `batches` full batches back to back, in requests of up to `perRequest` notifications; returns the job ids. */
export async function submitBacklog(client: RelayClient, tag: string, batches: number, perRequest = 10_000): Promise<string[]> {
  const jobIds: string[] = [];
  let left = batches * 100;
  for (let k = 0; left > 0; k++) {
    const count = Math.min(perRequest, left);
    const answer = await client.submit(bodyOf(`${tag}${k}`, count));
    if (answer.status !== 202) throw new Error(`submit: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    jobIds.push(answer.body.jobId!);
    left -= count;
  }
  return jobIds;
}

/** Waits until `check` holds, polling every `pollMs`; false on timeout. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, pollMs = 50): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return true;
}

/** This process's clock, epoch ms (the stand-in reads the same expression in its own process). */
export function clockNow(): number {
  return performance.timeOrigin + performance.now();
}
