/**
 * Overlap (scenario b): a 10,000-notification submission every second while the relay sends at its
 * quota (stand-in limit = quota, answers 200 ms after arrival). Each submission is accepted on the same
 * thread the sends are paced from (locally one workerd isolate; in production a sender may share an
 * isolate with request handling), so sends due meanwhile may leave late and together. Figures over the
 * time the submissions ran (from 1 s after the first arrival to the last 202): the busiest 1,000 ms at
 * the stand-in, exceed answers, admitted rate ÷ quota, and those submissions' accept latency.
 */
import { readArrivals, type WindowFigures, windowFigures } from "./arrivals.ts";
import { bodyOf, clockNow, withRun } from "./harness.ts";
import { type LatencySummary, summarize } from "./stats.ts";

/** Overlap figures. */
export interface OverlapResult extends WindowFigures {
  quota: number;
  submissions: number;
  /** POST → 202 of the 10,000-notification requests, while sending. */
  accept: LatencySummary;
  standInLoopDelayMs: { p99: number; max: number };
}

/** Submits 10,000 notifications every second for `seconds` at `quota` and measures the arrivals meanwhile. */
export async function measureOverlap(quota: number, seconds: number) {
  return withRun({ maxRps: quota, gatewayLimitRps: quota, gateway: { latencyMs: 200 } }, async ({ run, client }) => {
    // Serialized beforehand: the bench's own JSON work must not delay the submissions.
    const bodies = Array.from({ length: seconds + 1 }, (_, k) => bodyOf(`ov${k}`, 10_000));
    const accept: number[] = [];
    const pending: Promise<void>[] = [];
    const started = clockNow();
    for (const [k, body] of bodies.entries()) {
      // On a fixed 1 s grid, not 1 s after the previous 202: a slow accept must not thin the load.
      await new Promise((r) => setTimeout(r, Math.max(0, started + k * 1000 - clockNow())));
      pending.push(
        client.submit(body).then((answer) => {
          if (answer.status !== 202) throw new Error(`overlap: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
          accept.push(answer.ms);
        }),
      );
    }
    await Promise.all(pending);
    const ended = clockNow();
    const record = await readArrivals(run.gateway);
    const first = record.all[0];
    if (first === undefined) throw new Error("overlap: nothing reached the stand-in");
    return {
      quota,
      submissions: bodies.length,
      ...windowFigures(record, first + 1000, ended + record.offsetMs, quota),
      accept: summarize(accept),
      standInLoopDelayMs: record.loopDelayMs,
    } satisfies OverlapResult;
  });
}
