/**
 * The relay self-hosted on Node and on Deno beside workerd, measured in the same run the same way: a
 * backlog drained at ALIPAY_MAX_RPS = R against a stand-in with the same strict limit answering after
 * 200 ms. Pace = admitted requests per second over the steady part ÷ R (drainBacklog, pace.ts). Relay
 * CPU per batch = the CPU time of the process running the relay's code (/proc utime + stime) over the
 * whole submit-and-drain ÷ batches: accepting, signing, sending, verifying and settling, idle timers
 * included. For workerd that is the runtime workerd under wrangler dev; self-hosted, the process itself.
 */
import type { RelayRuntime } from "../dev/local-run.ts";
import { withRun } from "./harness.ts";
import { drainBacklog } from "./pace.ts";
import { HAS_PROC, processTree, relayCpu } from "./proc-cpu.ts";

/** One runtime's figures. */
export interface SelfHostedFigure {
  runtime: RelayRuntime;
  maxRps: number;
  batches: number;
  /** steady admitted rate ÷ maxRps. */
  paceRatio: number;
  exceedShare: number;
  /** Most requests the stand-in saw in any 1000 ms. */
  maxPerSecond: number;
  /** CPU ms per batch of the process running the relay's code; null without /proc. */
  relayCpuMsPerBatch: number | null;
}

const RUNTIMES: readonly RelayRuntime[] = ["workerd", "node", "deno"];

/** CPU so far of the process running the relay's code, ms. */
function runtimeCpuMs(runtime: RelayRuntime, pid: number): number {
  if (runtime === "workerd") return relayCpu(pid).runtimeMs;
  return processTree(pid).reduce((ms, p) => ms + p.cpuMs, 0);
}

/** Pace and CPU per batch for workerd, Node and Deno at `maxRps` over about `seconds` of backlog each. */
export async function measureSelfHosted(maxRps: number, seconds: number): Promise<SelfHostedFigure[]> {
  const figures: SelfHostedFigure[] = [];
  for (const runtime of RUNTIMES) {
    const { result } = await withRun(
      { runtime, maxRps, gatewayLimitRps: maxRps, gateway: { latencyMs: 200 } },
      async (ctx) => {
        const pid = ctx.run.relayPid()!;
        const batches = Math.ceil(maxRps * seconds);
        const cpu0 = HAS_PROC ? runtimeCpuMs(runtime, pid) : 0;
        const drained = await drainBacklog(ctx, { tag: `s${runtime[0]}`, batches, quota: maxRps, steadyAfterMs: 1000, perRequest: 5000 });
        const cpuMs = HAS_PROC ? runtimeCpuMs(runtime, pid) - cpu0 : null;
        return {
          runtime,
          maxRps,
          batches,
          paceRatio: drained.steady.ratio,
          exceedShare: drained.whole.exceedShare,
          maxPerSecond: drained.whole.maxIn1000ms,
          relayCpuMsPerBatch: cpuMs === null ? null : cpuMs / batches,
        } satisfies SelfHostedFigure;
      },
    );
    figures.push(result);
  }
  return figures;
}
