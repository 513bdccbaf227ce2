/**
 * Event-loop lag in the relay while a 10,000-notification request is accepted, measured from outside:
 * tiny requests (GET /, a 404 from the Worker, no Durable Object), one at a time, 5 ms apart, each
 * timed. Locally the Worker, the Durable Object and the senders share one workerd isolate and
 * its one thread, so a probe waits as long as accepting holds that thread. Lag of one accept = the
 * slowest probe in flight during it − the probes' p50 at idle (the proxy hop and the 404 itself).
 * The relay's quota is 1/s so that sending barely runs meanwhile.
 */
import { bodyOf, withRun } from "./harness.ts";
import { type LatencySummary, summarize } from "./stats.ts";

/** Lag figures. */
export interface LagResult {
  /** Probe latency with nothing else going on. */
  idle: LatencySummary;
  /** Per 10,000-notification request: worst probe latency during its accept − idle p50, ms. */
  lagMs: number[];
  worstLagMs: number;
  /** POST → 202 of those requests. */
  accept: LatencySummary;
}

const PROBE_EVERY_MS = 5;

/** Measures the lag over `requests` accepts of 10,000 notifications. */
export async function measureLag(requests: number) {
  return withRun({ maxRps: 1, gatewayLimitRps: 0 }, async ({ run, client }) => {
    const warm = bodyOf("lw", 10_000);
    await client.submit(warm); // JIT and key import out of the figures
    const bodies = Array.from({ length: requests }, (_, k) => bodyOf(`lg${k}`, 10_000));
    // One probe at a time, the next 5 ms after the last answer: enough to see the thread held, without
    // the probes themselves loading the relay (and wrangler's proxy) on a 2-core machine.
    const probes: { start: number; end: number }[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const start = performance.now();
        await (await fetch(run.relayUrl)).text();
        probes.push({ start, end: performance.now() });
        await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
      }
    })();
    await new Promise((r) => setTimeout(r, 2000));
    const idle = summarize(probes.map((p) => p.end - p.start));

    const windows: { start: number; end: number }[] = [];
    const accept: number[] = [];
    for (const body of bodies) {
      const start = performance.now();
      const answer = await client.submit(body);
      if (answer.status !== 202) throw new Error(`lag: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
      windows.push({ start, end: performance.now() });
      accept.push(answer.ms);
      await new Promise((r) => setTimeout(r, 1000));
    }
    probing = false;
    await prober;
    const lagMs = windows.map((w) => {
      const during = probes.filter((p) => p.start < w.end && p.end > w.start).map((p) => p.end - p.start);
      return Math.max(0, Math.max(...during) - idle.p50);
    });
    return { idle, lagMs, worstLagMs: Math.max(...lagMs), accept: summarize(accept) } satisfies LagResult;
  });
}
