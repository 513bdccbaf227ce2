/**
 * Pace with a backlog: the relay at ALIPAY_MAX_RPS = R against a stand-in whose strict limit is also
 * R and which answers after 200 ms (about AlipayHK's distance, where the 6-sends-per-invocation cap
 * would bind a relay that sends from one invocation). Achieved rate = requests the stand-in admitted
 * per second, over the steady part (after the first second and after the last submit, while the
 * backlog lasts); exceed answers as a share of all calls over the whole run.
 */
import { HAS_PROC, relayCpu } from "./proc-cpu.ts";
import { type PhaseContext, submitBacklog, until, withRun } from "./harness.ts";
import { countBetween, round } from "./stats.ts";

/** Figures of one backlog run. */
export interface BacklogFigures {
  /** Requests the stand-in saw, and how many it refused for traffic. */
  calls: number;
  exceeded: number;
  exceedShare: number;
  /** Admitted requests per second over [from, to] (ms since the first arrival), and over the whole run. */
  steady: { from: number; to: number; rps: number; exceedShare: number };
  wholeRps: number;
  /** Most requests in any 1000 ms, all and admitted. */
  maxPerSecond: { all: number; admitted: number };
  /** From /v1/status, sampled each second: most in-flight sends and the lowest live rate seen. */
  maxInFlight: number;
  minLiveRps: number;
  /** Share of one core the relay's workerd used meanwhile (1 = a core saturated). */
  relayCoreShare: number | null;
  /** The relay's live rate (GET /v1/status, each second) by seconds since the first arrival. */
  liveRps: [number, number][];
}

/** Sends `batches` as a backlog and measures how it drains; `steadyAfterMs` skips the start. */
export async function drainBacklog(
  { run, client }: PhaseContext,
  tag: string,
  batches: number,
  steadyAfterMs: number,
): Promise<BacklogFigures> {
  const pid = run.relayPid()!;
  const cpu0 = HAS_PROC ? relayCpu(pid).runtimeMs : 0;
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
      samples.push([performance.timeOrigin + performance.now(), status.pace.liveRps]);
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  await submitBacklog(client, tag, batches);
  const submittedAt = performance.timeOrigin + performance.now();
  // counts(), not stats(): a stats snapshot copies every delivery record, which would stall the stand-in.
  const drained = await until(() => (run.gateway.counts().byResult.SUCCESS ?? 0) >= batches, 600_000, 100);
  sampling = false;
  await sampler;
  if (!drained) throw new Error(`backlog of ${batches} batches not drained`);
  const relayCoreShare = HAS_PROC ? (relayCpu(pid).runtimeMs - cpu0) / (performance.now() - wall0) : null;

  const stats = run.gateway.stats(true);
  const all = stats.arrivals!;
  const admitted = stats.admittedArrivals!;
  const first = all[0]!;
  const last = Math.max(...admitted);
  const from = Math.max(first + steadyAfterMs, submittedAt);
  const to = last;
  const exceeded = stats.byResult.REQUEST_TRAFFIC_EXCEED_LIMIT ?? 0;
  const steadyCalls = countBetween(all, from, to);
  const steadyAdmitted = countBetween(admitted, from, to);
  return {
    calls: stats.requests,
    exceeded,
    exceedShare: exceeded / stats.requests,
    steady: {
      from: round(from - first, 0),
      to: round(to - first, 0),
      rps: steadyAdmitted / ((to - from) / 1000),
      exceedShare: (steadyCalls - steadyAdmitted) / steadyCalls,
    },
    wholeRps: (admitted.length - 1) / ((last - first) / 1000),
    maxPerSecond: stats.maxPerSecond,
    maxInFlight,
    minLiveRps,
    relayCoreShare,
    liveRps: samples.map(([at, rps]) => [round((at - first) / 1000, 1), round(rps, 2)]),
  };
}

/** Pace figures at one configured rate. */
export interface PaceResult extends BacklogFigures {
  maxRps: number;
  /** steady.rps ÷ maxRps. */
  ratio: number;
}

/** Measures the pace at `maxRps` over about `seconds` of backlog. */
export async function measurePace(maxRps: number, seconds: number) {
  return withRun({ maxRps, gatewayLimitRps: maxRps, gateway: { latencyMs: 200 } }, async (ctx) => {
    const figures = await drainBacklog(ctx, `p${maxRps}`, Math.ceil(maxRps * seconds), 1000);
    return { maxRps, ratio: figures.steady.rps / maxRps, ...figures } satisfies PaceResult;
  });
}
