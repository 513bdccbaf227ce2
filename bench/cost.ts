/**
 * Cost and packing on one local run (quota 200/s, stand-in unlimited and answering at once):
 * - cost: the relay's CPU per batch, from the CPU time of the workerd process running the relay's code
 *   (/proc utime + stime) across a known number of batches, accept work included, less what it burns
 *   idle over the same time; the median of three passes; compared with one bare sign + verify
 *   (crypto-baseline.ts).
 * - packing: requests the stand-in received ÷ Σ ceil(notifications / 100) over jobs of awkward sizes.
 * - a CPU profile of a second, unmeasured pass (the profiler's own overhead stays out of the figure).
 */
import { HAS_PROC, relayCpu } from "./proc-cpu.ts";
import { type HotFunction, startProfiling } from "./profiler.ts";
import { bodyOf, submitBacklog, until, withRun } from "./harness.ts";

/** Job sizes for packing: below, at and above a batch, and up to the request maximum. */
export const PACKING_SIZES = [1, 99, 100, 101, 250, 999, 1000, 1001, 9999, 10_000, 10_000, 10_000, 10_000, 10_000];

/** What cost.ts measures. */
export interface CostResult {
  batches: number;
  notifications: number;
  /** The relay's (runtime workerd's) CPU per batch, idle burn removed, ms: the median of the passes. */
  relayCpuMsPerBatch: number | null;
  /** Each pass's figure, ms. */
  relayCpuMsPerBatchPasses: (number | null)[];
  /** wrangler's proxy workerd + wrangler's Node per batch (local-only, not in the figure), ms. */
  devOverheadCpuMsPerBatch: number | null;
  idleCpuShare: number | null;
  /** Stand-in requests ÷ Σ ceil(n / 100). */
  packing: number;
  calls: number;
  expectedCalls: number;
  profile: { sampledMs: number; hot: HotFunction[]; byArea: Record<string, number> } | { error: string };
}

/** Measures cost, packing and a profile; `scale` (0..1] shortens it. */
export async function measureCost(scale = 1) {
  return withRun({ maxRps: 200, gatewayLimitRps: 0 }, async ({ run, client }) => {
    const pid = run.relayPid()!;
    const arrived = (n: number) => until(async () => (await run.gateway.counts()).requests >= n, 300_000, 50);

    // Warm the isolate (JIT, key import), then let it settle.
    await submitBacklog(client, "cw", 50);
    await arrived(50);
    await new Promise((r) => setTimeout(r, 1500));

    // What the relay burns doing nothing (timers, status), per ms.
    const idle0 = HAS_PROC ? relayCpu(pid) : null;
    const idleWall0 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const idleShare = idle0 ? (relayCpu(pid).runtimeMs - idle0.runtimeMs) / (performance.now() - idleWall0) : null;

    const sizes = scale < 1 ? PACKING_SIZES.slice(0, 10) : PACKING_SIZES;
    const expectedCalls = sizes.reduce((n, size) => n + Math.ceil(size / 100), 0);
    // One pass: every job submitted, every batch sent, answered and settled; CPU and calls over it.
    const pass = async (tag: string) => {
      await run.gateway.reset();
      const cpu0 = HAS_PROC ? relayCpu(pid) : null;
      const wall0 = performance.now();
      for (const [i, size] of sizes.entries()) {
        const answer = await client.submit(bodyOf(`${tag}${i}`, size));
        if (answer.status !== 202) throw new Error(`cost: HTTP ${answer.status}`);
      }
      if (!(await arrived(expectedCalls))) throw new Error("cost: not every batch arrived");
      // Every answer back and settled in the relay: nothing in flight any more.
      for (const deadline = performance.now() + 60_000; performance.now() < deadline; ) {
        const status = await client.status();
        if (status.inFlight === 0 && status.backlog.notifications === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const wallMs = performance.now() - wall0;
      const cpu1 = HAS_PROC ? relayCpu(pid) : null;
      const calls = (await run.gateway.counts()).requests;
      const perBatch = (a: number, b: number, idle = 0) => (b - a - idle * wallMs) / expectedCalls;
      return {
        calls,
        relay: cpu0 && cpu1 ? perBatch(cpu0.runtimeMs, cpu1.runtimeMs, idleShare ?? 0) : null,
        devOverhead: cpu0 && cpu1 ? perBatch(cpu0.devOverheadMs, cpu1.devOverheadMs) : null,
      };
    };
    // Three passes, the median reported: one pass's figure moves by a third from run to run here.
    const passes = [];
    for (const tag of scale < 1 ? ["k"] : ["k", "l", "m"]) passes.push(await pass(tag));
    const median = (values: (number | null)[]) => {
      const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
      return known.length ? (known[Math.floor((known.length - 1) / 2)] as number) : null;
    };
    // Packing must hold in every pass: a resend in any of them shows.
    const calls = Math.max(...passes.map((p) => p.calls));

    // A profile of a second pass, not counted above.
    let profile: CostResult["profile"];
    try {
      const profiling = await startProfiling(pid, () => fetch(run.relayUrl).then((r) => r.text()));
      const before = (await run.gateway.counts()).requests;
      await submitBacklog(client, "cp", Math.round(300 * scale));
      await arrived(before + Math.round(300 * scale));
      await new Promise((r) => setTimeout(r, 300));
      profile = await profiling.stop(15);
    } catch (error) {
      profile = { error: String(error) };
    }

    return {
      batches: expectedCalls,
      notifications: sizes.reduce((a, b) => a + b, 0),
      relayCpuMsPerBatch: median(passes.map((p) => p.relay)),
      relayCpuMsPerBatchPasses: passes.map((p) => p.relay),
      devOverheadCpuMsPerBatch: median(passes.map((p) => p.devOverhead)),
      idleCpuShare: idleShare,
      packing: calls / expectedCalls,
      calls,
      expectedCalls,
      profile,
    } satisfies CostResult;
  });
}
