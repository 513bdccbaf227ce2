/**
 * A cap on missed slots in a row. A request that is ready after its slot's end never leaves
 * (MISSED_SLOT): AlipayHK saw nothing, so it costs no attempt and goes back in front. Up to
 * MISSED_SLOTS_IN_ROW such requests in a row take the next slot at once; beyond, with none leaving
 * between, they wait a short delay (growing with the streak, at most MISSED_SLOT_MAX_DELAY_MS), so a host
 * too busy to send in time is given time instead of a slot every 1/rps that it will miss again, while the
 * rest of a backlog keeps the pace. A request that leaves ends the streak.
 */
import { describe, expect, it } from "vitest";
import {
  decideAfterMissedSlot,
  MISSED_SLOT_MAX_DELAY_MS,
  MISSED_SLOTS_IN_ROW,
} from "../../src/engine/decide/retry-policy";
import { T0, World, testSettings } from "./harness";

const retry = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 };

describe("missed slots in a row (pure)", () => {
  it("the first few go straight back; beyond the cap they wait a short delay growing to a second; none spends an attempt", () => {
    for (let n = 1; n <= MISSED_SLOTS_IN_ROW; n++)
      expect(decideAfterMissedSlot(n, 0.5)).toEqual({ action: "retry", delayMs: 0, spendsAttempt: false, front: true });
    const delays = [1, 2, 3, 4, 5, 10, 1000].map(
      (over) => (decideAfterMissedSlot(MISSED_SLOTS_IN_ROW + over, 1) as { delayMs: number }).delayMs,
    );
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(MISSED_SLOT_MAX_DELAY_MS).toBe(1000);
    // Equal jitter: between half the ceiling and all of it.
    expect((decideAfterMissedSlot(MISSED_SLOTS_IN_ROW + 4, 0) as { delayMs: number }).delayMs).toBe(400);
    expect(decideAfterMissedSlot(MISSED_SLOTS_IN_ROW + 1, 1)).toMatchObject({ spendsAttempt: false, front: true });
  });
});

describe("a sender that keeps missing its slots", () => {
  it("is not fed a slot every 1/rps: the held-back work backs off, spends no attempt, and leaves once the sender keeps up", () => {
    const world = new World(testSettings({ retry }));
    let late = true;
    let handedOut = 0;
    // Ready 100 ms after the slot: past its end (the 20 ms guard), so it never leaves.
    world.lateness = () => {
      handedOut += 1;
      return late ? 100 : 0;
    };
    const jobId = world.submit(1, 10);
    world.run(T0 + 60_000);
    expect(world.departures).toEqual([]);
    // At 50 per second a minute holds 3,000 slots; the streak's delays (0.1, 0.2, 0.4, 0.8, then 1 s at
    // most) leave about one try a second.
    expect(handedOut).toBeGreaterThan(MISSED_SLOTS_IN_ROW + 30);
    expect(handedOut).toBeLessThan(130);
    expect(world.engine.job(null, jobId)).toMatchObject({
      pending: 10,
      batches: [{ attempts: 0, resultCode: "MISSED_SLOT" }],
    });

    late = false;
    world.run(T0 + 180_000, () => world.engine.job(null, jobId)?.status === "completed");
    expect(world.engine.job(null, jobId)).toMatchObject({
      status: "completed",
      succeeded: 10,
      batches: [{ attempts: 1, resultCode: "SUCCESS" }],
    });
  });

  it("a request that leaves ends the streak: the next missed slot goes straight back", () => {
    const world = new World(testSettings({ retry }));
    // Misses 5 in a row, then one leaves, then one more misses.
    const lateFor = new Set([0, 1, 2, 3, 4, 6]);
    let n = 0;
    const handed: number[] = [];
    world.lateness = () => {
      handed.push(world.now);
      return lateFor.has(n++) ? 100 : 0;
    };
    const first = world.submit(1, 1);
    world.run(T0 + 60_000, () => world.engine.job(null, first)?.status === "completed");
    const second = world.submit(1, 1);
    const at = world.now;
    world.run(world.now + 60_000, () => world.engine.job(null, second)?.status === "completed");
    // The second's missed slot (the 7th hand-out) was followed by a try at the next slots, not a wait:
    // without the reset the streak would be 6 long and wait 200 ms more at least.
    expect(handed.length).toBe(8);
    expect(handed[6]! - at).toBeLessThan(100);
    // (It was ready 100 ms late: its miss is known then.)
    expect(handed[7]! - handed[6]!).toBeLessThan(200);
  });

  it("a long streak parks the missed requests for a second at most: a backlog drains at the pace once the host keeps up", () => {
    const world = new World(testSettings({ retry }));
    // The first 200 hand-outs (4 s of slots at 50/s) are ready too late, then none: a host that stalled.
    world.lateness = (_task, n) => (n < 200 ? 100 : 0);
    const jobId = world.submit(1, 2000);
    world.run(T0 + 120_000, () => world.engine.job(null, jobId)?.status === "completed");
    expect(world.engine.job(null, jobId)).toMatchObject({ status: "completed", succeeded: 2000 });
    const firstOut = Math.min(...world.departures.map((d) => d.at));
    const lastOut = Math.max(...world.departures.map((d) => d.at));
    // 20 requests at 50/s take 0.4 s once sending works; a parked request comes back within a second.
    expect(lastOut - firstOut).toBeLessThan(1000 + 400 + 200);
  });
});
