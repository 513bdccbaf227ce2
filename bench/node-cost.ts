/**
 * The self-hosted Node relay's CPU per request with a backlog at 200/s: a backlog in POSTs of 10,000
 * notifications drained at ALIPAY_MAX_RPS = 200 against a stand-in strict at 200/s answering after
 * 50 ms. CPU per request = the relay process's CPU time (/proc utime + stime) from the first POST to the
 * last arrival ÷ requests: accepting, storing, signing, sending, verifying, settling and logging. Set
 * beside a bare sign + verify measured in the same run (crypto-baseline.ts), and the cores each process
 * used, since the relay, the stand-in and the bench share the machine.
 */
import { withRun } from "./harness.ts";
import { type BacklogFigures, drainBacklog } from "./pace.ts";
import { coresBetween, HAS_PROC, runCpu } from "./proc-cpu.ts";

/** What node-cost.ts measures. */
export interface NodeCostResult {
  quota: number;
  requests: number;
  /** The relay process's CPU per request, accept included, ms; null without /proc. */
  cpuMsPerRequest: number | null;
  pace: Pick<BacklogFigures, "steady" | "whole">;
  cores: ReturnType<typeof coresBetween> | null;
}

/** Drains `seconds` of backlog at `quota` through the self-hosted Node relay. */
export async function measureNodeCost(quota: number, seconds: number) {
  return withRun({ runtime: "node", maxRps: quota, gatewayLimitRps: quota, gateway: { latencyMs: 50 } }, async (ctx) => {
    const pid = ctx.run.relayPid()!;
    const requests = Math.ceil(quota * seconds);
    const cpu0 = HAS_PROC ? runCpu(pid, ctx.run.gateway.pid, true) : null;
    const wall0 = performance.now();
    const drained = await drainBacklog(ctx, { tag: "nc", batches: requests, quota, steadyAfterMs: 1000, perRequest: 10_000 });
    const cpu1 = HAS_PROC ? runCpu(pid, ctx.run.gateway.pid, true) : null;
    return {
      quota,
      requests,
      cpuMsPerRequest: cpu0 && cpu1 ? (cpu1.relay - cpu0.relay) / requests : null,
      pace: { steady: drained.steady, whole: drained.whole },
      cores: cpu0 && cpu1 ? coresBetween(cpu0, cpu1, performance.now() - wall0) : null,
    } satisfies NodeCostResult;
  });
}
