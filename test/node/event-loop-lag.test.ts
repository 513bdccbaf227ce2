import { expect, it } from "vitest";
import { parseSubmission } from "../../src/core/submission";

// Issue 9, item 2: while a 10,000-notification body is read, other work in the process (timers, the
// sends of other requests) keeps running. The core is runtime-agnostic, so Node measures it with a
// real clock. The assertions count events, not milliseconds; the figures are printed for the record.

const TICK_MS = 5;
const body = JSON.stringify({
  notifications: Array.from({ length: 10_000 }, (_, i) => ({
    openId: `user-${String(i).padStart(6, "0")}`,
    templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
    templateValue: { merchantName: "Tea House", redirectUrl: `https://shop.example.hk/bill/${i}` },
  })),
});

/** Runs `work` beside a repeating 5 ms timer; the timer's worst extra delay is the event-loop lag. */
async function withTicker<T>(
  work: () => Promise<T>,
): Promise<{ result: T; ticksDuring: number; worstLagMs: number; tookMs: number }> {
  let last = performance.now();
  let worstLagMs = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worstLagMs = Math.max(worstLagMs, now - last - TICK_MS);
    last = now;
    ticks++;
  }, TICK_MS);
  const start = performance.now();
  const result = await work();
  const tookMs = performance.now() - start;
  const ticksDuring = ticks;
  // Let a tick that was held up by the work fire, so its delay is counted.
  await new Promise((resolve) => setTimeout(resolve, 2 * TICK_MS));
  clearInterval(timer);
  return { result, ticksDuring, worstLagMs, tookMs };
}

it("the timer keeps firing while a 10,000-notification body is read", async () => {
  // Warm up the JIT, as a long-lived isolate would be.
  for (let i = 0; i < 3; i++) await parseSubmission(body, "m", { maxNotifications: 10_000 });
  const sliced = await withTicker(() => parseSubmission(body, "m", { maxNotifications: 10_000 }));
  // What reading the same body in one synchronous go costs the timer (JSON.parse + per-element work).
  const inOneGo = await withTicker(() =>
    parseSubmission(
      body,
      "m",
      { maxNotifications: 10_000 },
      { elements: Number.POSITIVE_INFINITY, chars: Number.POSITIVE_INFINITY },
    ),
  );
  console.log(
    `10,000 notifications (${body.length} chars): sliced ${sliced.tookMs.toFixed(1)} ms, worst 5 ms-timer lag ${sliced.worstLagMs.toFixed(1)} ms, ${sliced.ticksDuring} ticks during the read; ` +
      `unsliced ${inOneGo.tookMs.toFixed(1)} ms, worst lag ${inOneGo.worstLagMs.toFixed(1)} ms, ${inOneGo.ticksDuring} ticks during the read`,
  );
  expect(sliced.result).toMatchObject({ ok: true, total: 10_000 });
  // Read in one go, the timer cannot fire before the read ends; sliced, it fires during the read (the
  // read takes tens of ms, and every yield lets a due timer run, however loaded the machine is).
  expect(inOneGo.ticksDuring).toBe(0);
  expect(sliced.ticksDuring).toBeGreaterThanOrEqual(2);
});
