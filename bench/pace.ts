/**
 * Pace with a backlog (scenario a): the relay at ALIPAY_MAX_RPS = R against a stand-in whose strict
 * sliding-second limit is also R and which answers 200 ms after arrival (about AlipayHK's distance,
 * where the 6-sends-per-invocation cap would bind a relay that sends from one invocation). The backlog
 * is submitted at once, in POSTs of 5,000 notifications back to back, so accepting overlaps the first
 * sends. Achieved = admitted arrivals per second over the steady part (from 1 s after the first arrival,
 * or the last submit if later, to the last admitted arrival) ÷ R; the busiest 1,000 ms and the exceed
 * answers over the whole run.
 */
import { type ArrivalRecord, readArrivals, type WindowFigures, windowFigures } from "./arrivals.ts";
import { clockNow, type PhaseContext, submitBacklog, until, withRun } from "./harness.ts";
import { coresBetween, HAS_PROC, runCpu } from "./proc-cpu.ts";
import { round } from "./stats.ts";

/** Figures of one backlog run. */
export interface BacklogFigures {
  quota: number;
  /** The whole run, and the steady part. */
  whole: WindowFigures;
  steady: WindowFigures;
  /** The stand-in's own loop delay (how late an arrival may have been stamped), ms. */
  standInLoopDelayMs: ArrivalRecord["loopDelayMs"];
  /** From /v1/status, sampled each second: most in-flight sends and the lowest live rate seen. */
  maxInFlight: number;
  minLiveRps: number;
  /** Share of one core the relay's workerd used meanwhile (1 = a core saturated). */
  relayCoreShare: number | null;
  /** Cores used meanwhile by the relay, wrangler's proxy and Node, the stand-in, the bench, and the rest. */
  cores: ReturnType<typeof coresBetween> | null;
  /** The relay's live rate (GET /v1/status, each second) by seconds since the first arrival. */
  liveRps: [number, number][];
}

/** Submits `batches` as a backlog in POSTs of `perRequest` and measures how it drains at `quota`. */
export async function drainBacklog(
  { run, client }: PhaseContext,
  options: { tag: string; batches: number; quota: number; steadyAfterMs: number; perRequest: number },
): Promise<BacklogFigures> {
  const pid = run.relayPid()!;
  const cpu0 = HAS_PROC ? runCpu(pid, run.gateway.pid) : null;
  const wall0 = performance.now();
  let maxInFlight = 0;
  let minLiveRps = Number.POSITIVE_INFINITY;
  let sampling = true;
  const samples: [number, number][] = [];
  const sampler = (async () => {
    while (sampling) {
      const status = (await client.status()) as unknown as { pace: { liveRps: number }; inFlight: number };
      maxInFlight = Math.max(maxInFlight, status.inFlight);
      minLiveRps = Math.min(minLiveRps, status.pace.liveRps);
      samples.push([clockNow(), status.pace.liveRps]);
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  await submitBacklog(client, options.tag, options.batches, options.perRequest);
  const submittedAt = clockNow();
  const drained = await until(
    async () => ((await run.gateway.counts()).byResult.SUCCESS ?? 0) >= options.batches,
    600_000,
    100,
  );
  sampling = false;
  await sampler;
  if (!drained) throw new Error(`backlog of ${options.batches} batches not drained`);
  const cores = cpu0 ? coresBetween(cpu0, runCpu(pid, run.gateway.pid), performance.now() - wall0) : null;

  const record = await readArrivals(run.gateway);
  const first = record.all[0]!;
  const last = Math.max(...record.admitted);
  const steadyFrom = Math.max(first + options.steadyAfterMs, submittedAt + record.offsetMs);
  return {
    quota: options.quota,
    whole: windowFigures(record, first, last, options.quota),
    steady: windowFigures(record, steadyFrom, last, options.quota),
    standInLoopDelayMs: record.loopDelayMs,
    maxInFlight,
    minLiveRps,
    relayCoreShare: cores?.relay ?? null,
    cores,
    liveRps: samples.map(([at, rps]) => [round((at + record.offsetMs - first) / 1000, 1), round(rps, 2)]),
  };
}

/** Pace figures at one configured rate (the stand-in's limit is the same). */
export type PaceResult = BacklogFigures;

/** Measures the pace at `quota` over about `seconds` of backlog, submitted in POSTs of 5,000. */
export async function measurePace(quota: number, seconds: number) {
  return withRun({ maxRps: quota, gatewayLimitRps: quota, gateway: { latencyMs: 200 } }, async (ctx) => {
    const batches = Math.ceil(quota * seconds);
    return (await drainBacklog(ctx, { tag: `p${quota}`, batches, quota, steadyAfterMs: 1000, perRequest: 5000 })) satisfies PaceResult;
  });
}
