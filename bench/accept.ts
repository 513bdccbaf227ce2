/**
 * Accept latency: POST /v1/notifications to the 202 (body read), one request at a time, at each size.
 * The relay's quota is set to 1 request/second so that its sending barely runs meanwhile: the figure
 * is the accept path (auth, parse, validate every notification, pack, store in the Durable Object).
 */
import { bodyOf, withRun } from "./harness.ts";
import { HAS_PROC, relayCpu } from "./proc-cpu.ts";
import { type LatencySummary, summarize } from "./stats.ts";

/** Requests of each size, and how many of them are timed (more for the small ones, so p99 means something). */
export const ACCEPT_PLAN = [
  { size: 1, reps: 300 },
  { size: 100, reps: 300 },
  { size: 1000, reps: 60 },
  { size: 10_000, reps: 10 },
] as const;

/** Accept latency per request size, and the relay's CPU per 100 notifications accepted at that size. */
export interface AcceptResult {
  bySize: Record<string, LatencySummary & { cpuMsPer100: number | null }>;
  /** The local floor: GET / (a 404 from the Worker, no Durable Object) through wrangler dev's proxy. */
  floor: LatencySummary;
}

/** Measures accept latency; `scale` (0..1] shortens the run. */
export async function measureAccept(scale = 1) {
  return withRun({ maxRps: 1, gatewayLimitRps: 0 }, async ({ run, client }) => {
    const warm = bodyOf("aw", 100);
    for (let i = 0; i < 30; i++) await client.submit(warm);
    const floorTimes: number[] = [];
    for (let i = 0; i < 100; i++) {
      const started = performance.now();
      await (await fetch(run.relayUrl)).text();
      floorTimes.push(performance.now() - started);
    }
    const pid = run.relayPid()!;
    const bySize: AcceptResult["bySize"] = {};
    for (const { size, reps } of ACCEPT_PLAN) {
      const body = bodyOf(`a${size}`.slice(0, 6), size);
      const times: number[] = [];
      const cpu0 = HAS_PROC ? relayCpu(pid).runtimeMs : 0;
      const n = Math.max(3, Math.round(reps * scale));
      for (let i = 0; i < n; i++) {
        const answer = await client.submit(body);
        if (answer.status !== 202)
          throw new Error(`accept ${size}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
        times.push(answer.ms);
      }
      const cpuMsPer100 = HAS_PROC ? ((relayCpu(pid).runtimeMs - cpu0) / (n * size)) * 100 : null;
      bySize[String(size)] = { ...summarize(times), cpuMsPer100 };
    }
    return { bySize, floor: summarize(floorTimes) } satisfies AcceptResult;
  });
}
