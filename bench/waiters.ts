/**
 * Waiters (scenario c): 50 callers each holding `Prefer: wait=60` on a job of 300 notifications and
 * submitting the next as soon as it is answered, plus a dashboard reading GET /v1/status every second,
 * while the relay sends at its quota (stand-in limit = quota, answers 200 ms after arrival). Each held
 * request polls its job inside the relay, so this is the read load that competes with pacing. Figures
 * from 1 s after the first arrival to when the callers stop: the busiest 1,000 ms, exceed answers,
 * admitted rate ÷ quota; and how long callers waited, how many got the finished job, the status latency.
 */
import { readArrivals, type WindowFigures, windowFigures } from "./arrivals.ts";
import { bodyOf, clockNow, withRun } from "./harness.ts";
import { type LatencySummary, summarize } from "./stats.ts";

/** Waiters figures. */
export interface WaitersResult extends WindowFigures {
  quota: number;
  callers: number;
  /** Submit → answer of the held requests; `finished` answered 200 with the completed job, `open` 202. */
  waited: LatencySummary;
  finished: number;
  open: number;
  /** GET /v1/status latency, once a second. */
  status: LatencySummary;
  standInLoopDelayMs: { p99: number; max: number };
}

/** Runs `callers` waiting callers and a status poller for `seconds` at `quota`. */
export async function measureWaiters(quota: number, seconds: number, callers = 50) {
  // The callers share one key here: each may hold its wait (RELAY_MAX_WAITS_PER_CALLER is per caller).
  const vars = { RELAY_MAX_WAITS_PER_CALLER: String(callers) };
  return withRun({ maxRps: quota, gatewayLimitRps: quota, gateway: { latencyMs: 200 }, vars }, async ({ run, client }) => {
    const bodies = Array.from({ length: callers }, (_, i) => bodyOf(`w${i}`, 300));
    const stopAt = clockNow() + seconds * 1000;
    const waited: number[] = [];
    const statusMs: number[] = [];
    let finished = 0;
    let open = 0;
    const caller = async (body: string) => {
      while (clockNow() < stopAt) {
        const answer = await client.submit(body, { prefer: "wait=60" });
        if (answer.status === 200) finished++;
        else if (answer.status === 202) open++;
        else throw new Error(`waiters: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
        waited.push(answer.ms);
      }
    };
    const poller = async () => {
      while (clockNow() < stopAt) {
        const started = performance.now();
        await client.status();
        statusMs.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - started))));
      }
    };
    await Promise.all([...bodies.map(caller), poller()]);
    const record = await readArrivals(run.gateway);
    const first = record.all[0];
    if (first === undefined) throw new Error("waiters: nothing reached the stand-in");
    return {
      quota,
      callers,
      ...windowFigures(record, first + 1000, stopAt + record.offsetMs, quota),
      waited: summarize(waited),
      finished,
      open,
      status: summarize(statusMs),
      standInLoopDelayMs: record.loopDelayMs,
    } satisfies WaitersResult;
  });
}
