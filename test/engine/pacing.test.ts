import { describe, expect, it } from "vitest";
import type { SqlValue } from "../../src/engine/store/sql";
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

describe("what a tick reads", () => {
  /** A world whose queries are recorded with the rows each got back. */
  function recorded(): { world: World; reads: { query: string; rows: number }[] } {
    const world = new World(testSettings({ pacer: { maxRps: 50, guardMs: 20 } }));
    const reads: { query: string; rows: number }[] = [];
    const exec = world.sql.exec;
    world.sql.exec = <T extends object>(query: string, ...params: SqlValue[]): T[] => {
      const rows = exec<T>(query, ...params);
      reads.push({ query, rows: rows.length });
      return rows;
    };
    return { world, reads };
  }
  const isPayloadRead = (r: { query: string }) => /^\s*SELECT\b[^;]*\binfos\b/.test(r.query);
  const isDueRead = (r: { query: string }) => /b\.state = 'queued' AND b\.next_at <= \?/.test(r.query);

  it("reads a payload only for a batch that leaves, once, and no more due batches than it has slots for", () => {
    const { world, reads } = recorded();
    world.submit(500);
    world.run(T0 + 600_000, () => world.engine.status(null, world.now).backlog.batches === 0);
    expect(world.departures).toHaveLength(500);
    expect(reads.filter(isPayloadRead).map((r) => r.rows)).toEqual(Array(500).fill(1));
    expect(reads.filter(isDueRead).reduce((n, r) => n + r.rows, 0)).toBe(500);
  });

  it("reads no batch on a tick that has no slot to give (a report between slots)", () => {
    const { world, reads } = recorded();
    world.submit(100);
    const first = world.engine.tick(world.now);
    expect(first.tasks.length).toBeGreaterThan(0);
    const before = reads.length;
    const again = world.engine.tick(world.now + 1);
    expect(again.tasks).toEqual([]);
    expect(again.wakeAt).toBeGreaterThan(world.now + 1);
    expect(reads.slice(before).filter((r) => isDueRead(r) || isPayloadRead(r))).toEqual([]);
  });
});

describe("hand-overs", () => {
  it("carry every slot within the lead once the first is due, and a tick between slots hands out nothing", () => {
    // 50 per second: slots 20.4 ms apart; lead 60 ms, hand-over 10 ms: a group of three each time.
    const world = new World(testSettings({ pacer: { maxRps: 50, guardMs: 20 }, leadMs: 60, handoverMs: 10 }));
    world.submit(300, 1);
    const groups: { now: number; notBefore: number[] }[] = [];
    const tick = world.engine.tick.bind(world.engine);
    world.engine.tick = (now: number) => {
      const result = tick(now);
      if (result.tasks.length > 0) groups.push({ now, notBefore: result.tasks.map((t) => t.notBefore) });
      return result;
    };
    world.run(T0 + 600_000, () => world.engine.status(null, world.now).backlog.batches === 0);
    expect(world.departures).toHaveLength(300);
    expect(world.maxInWindow(1000)).toBeLessThanOrEqual(50);
    // After the first (from idle), each group starts with a slot at most 10 ms away and ends within 60 ms.
    for (const { now, notBefore } of groups.slice(1)) {
      expect(notBefore[0]! - now).toBeLessThanOrEqual(10);
      expect(notBefore.at(-1)! - now).toBeLessThanOrEqual(60);
    }
    expect(groups.length).toBeLessThanOrEqual(Math.ceil(300 / 3) + 1);
  });
});
