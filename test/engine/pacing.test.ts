import { describe, expect, it } from "vitest";
import { T0, World, testSettings } from "./harness";

describe("a 10,000-batch backlog at 50 per second, on the fake clock", () => {
  const world = new World(testSettings({ pacer: { maxRps: 50, guardMs: 20 } }));
  world.submit(10_000, 1);
  const steps = world.run(T0 + 3_600_000, () => world.engine.status(null, world.now).backlog.batches === 0);
  const finished = world.rows<{ state: string; n: number; attempts: number }>(
    "SELECT state, COUNT(*) AS n, SUM(attempts) AS attempts FROM batches GROUP BY state",
  );

  it("never starts more than the quota in any 1,000 ms", () => {
    expect(world.departures).toHaveLength(10_000);
    expect(world.maxInWindow(1000)).toBeLessThanOrEqual(50);
  });

  it("keeps close to the quota: ≥ 0.97 of 50 per second from the first send to the last", () => {
    const first = world.departures[0]?.at ?? 0;
    const last = world.departures.at(-1)?.at ?? 0;
    const rate = (world.departures.length - 1) / ((last - first) / 1000);
    expect(rate).toBeGreaterThanOrEqual(0.97 * 50);
    expect(rate).toBeLessThanOrEqual(50);
  });

  it("settles every batch once, each sent exactly once", () => {
    expect(finished).toEqual([{ state: "succeeded", n: 10_000, attempts: 10_000 }]);
    expect(new Set(world.departures.map((d) => d.batchId)).size).toBe(10_000);
  });

  it("hands several slots to one sender at a time (fewer hand-overs than sends)", () => {
    expect(steps).toBeLessThan(10_000);
  });

  it("never hands out a slot that is already past", () => {
    const late = world.logs.filter((l) => l.event === "attempt" && l.resultCode !== "SUCCESS");
    expect(late).toEqual([]);
  });
});

describe("catching up from idle", () => {
  it("a burst of submits after a quiet hour still leaves at most the quota in any second", () => {
    const world = new World(testSettings({ pacer: { maxRps: 20, guardMs: 20 } }));
    world.submit(30, 1);
    world.run(T0 + 10_000);
    world.now += 3_600_000;
    for (let i = 0; i < 5; i++) world.submit(40, 1);
    world.run(world.now + 60_000, () => world.engine.status(null, world.now).backlog.batches === 0);
    expect(world.departures).toHaveLength(230);
    expect(world.maxInWindow(1000)).toBeLessThanOrEqual(20);
  });
});
