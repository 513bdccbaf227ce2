/**
 * Fan-out latency with no backlog: from sending POST /v1/notifications (one batch of 100) to the
 * stand-in receiving that batch. Requests are spaced 150 ms apart, so each finds the relay idle: the
 * figure covers accept, the Durable Object waking its pump, the hand-over to a sender, signing and the
 * loopback POST. The stand-in runs in its own process; its arrival times are brought to this process's
 * clock with the offset measured over loopback (error at most half the fastest round trip, < 1 ms).
 */
import { makeNotifications } from "../dev/relay-client.ts";
import { clockNow, withRun } from "./harness.ts";
import { type LatencySummary, summarize } from "./stats.ts";

/** Fan-out latency, and the accept latency of the same requests for comparison. */
export interface FanoutResult {
  fanout: LatencySummary;
  accept: LatencySummary;
  /** Requests whose batch never showed up (should be 0). */
  missing: number;
}

/** Measures fan-out latency over `samples` requests (after 10 untimed ones). */
export async function measureFanout(samples = 100) {
  return withRun({ maxRps: 50, gatewayLimitRps: 50 }, async ({ run, client }) => {
    const sent: { openId: string; at: number }[] = [];
    const accept: number[] = [];
    for (let i = 0; i < samples + 10; i++) {
      const notifications = makeNotifications(`o${i}`, 100);
      const body = JSON.stringify({ notifications });
      const at = clockNow();
      const answer = await client.submit(body);
      if (answer.status !== 202) throw new Error(`fan-out: HTTP ${answer.status}`);
      if (i >= 10) {
        sent.push({ openId: notifications[0]!.openId, at });
        accept.push(answer.ms);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const offset = await run.gateway.clockOffsetMs();
    const firstArrival = new Map<string, number>();
    for (const d of (await run.gateway.stats(true)).deliveries ?? []) {
      if (!firstArrival.has(d.openId)) firstArrival.set(d.openId, d.at - offset);
    }
    const latencies = sent.filter((s) => firstArrival.has(s.openId)).map((s) => firstArrival.get(s.openId)! - s.at);
    return {
      fanout: summarize(latencies),
      accept: summarize(accept),
      missing: sent.length - latencies.length,
    } satisfies FanoutResult;
  });
}
