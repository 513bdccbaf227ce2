import { describe, expect, it } from "vitest";
import { initialPacer, nextSendAt, recordDeparture, recordSend } from "../../src/engine/decide/pacer";
import { SUCCESS, T0, World, testSettings } from "./harness";

const drained = (world: World) => () => world.engine.status(null, world.now).backlog.notifications === 0;

describe("the pace counts what actually left", () => {
  it("a late departure takes its planned place in the window and pushes the next slot back", () => {
    const settings = { maxRps: 10, guardMs: 20 };
    let state = initialPacer(settings, T0);
    state = recordSend(state, settings, T0);
    const interval = 1020 / 10;
    expect(nextSendAt(state, settings, T0)).toBe(T0 + interval);
    state = recordDeparture(state, settings, T0, T0 + 15);
    expect(state.sends).toEqual([T0 + 15]);
    expect(nextSendAt(state, settings, T0 + 20)).toBeGreaterThanOrEqual(T0 + 15 + interval);
    // An early or on-time report changes nothing.
    expect(recordDeparture(state, settings, T0 + 15, T0 + 15)).toBe(state);
  });

  it("in the engine: a sender 15 ms late moves the following slots, so requests stay an interval apart", () => {
    const world = new World(testSettings({ pacer: { maxRps: 10, guardMs: 20 }, leadMs: 0, handoverMs: 0 }), () => ({
      ...SUCCESS,
      afterMs: 2,
    }));
    world.lateness = (_task, n) => (n === 3 ? 15 : 0);
    world.submit(8);
    world.run(T0 + 60_000, drained(world));
    const gaps = world.departures.slice(1).map((d, i) => d.at - (world.departures[i]?.at ?? 0));
    expect(gaps[2]).toBeGreaterThanOrEqual(102 + 15 - 1);
    expect(gaps[3]).toBeGreaterThanOrEqual(102);
    const fourth = world.departures[3];
    expect(
      world.rows<{ sent_at: number }>("SELECT sent_at FROM requests WHERE request_id = ?", fourth?.requestId ?? 0)[0]
        ?.sent_at,
    ).toBe(fourth?.at);
  });

  it("senders late by up to the guard, at random, never put more than the quota into any 1,000 ms", () => {
    let seed = 3;
    const world = new World(testSettings({ pacer: { maxRps: 50, guardMs: 20 } }), () => ({ ...SUCCESS, afterMs: 5 }));
    world.lateness = () => {
      seed = (seed * 48271) % 2147483647;
      return (seed % 30) - 5; // −5..24 ms: a few ready too late (held back), most within the guard
    };
    world.submit(500);
    world.run(T0 + 600_000, drained(world));
    expect(world.departures).toHaveLength(500);
    expect(world.maxInWindow(1000)).toBeLessThanOrEqual(50);
    const missed = world.logs.filter((l) => l.event === "attempt" && l.resultCode === "MISSED_SLOT").length;
    expect(missed).toBeGreaterThan(0);
    // Held-back requests are not attempts: every notification shows exactly its one send.
    expect(world.rows("SELECT run_id FROM runs WHERE attempts != 1")).toEqual([]);
    expect(new Set(world.sentOpenIds).size).toBe(world.sentOpenIds.length);
  });

  it("the first send of a burst is counted where it will really leave (after hand-over and signing), not held back", () => {
    const world = new World(testSettings({ pacer: { maxRps: 20, guardMs: 20 }, leadMs: 100, handoverMs: 35 }), () => ({
      ...SUCCESS,
      afterMs: 5,
    }));
    // Due at once, handed over now: it leaves 30 ms later, as a sender that had to sign it first would.
    world.lateness = (_task, n) => (n === 0 ? 30 : 0);
    world.submit(60);
    world.run(T0 + 600_000, drained(world));
    expect(world.logs.filter((l) => l.event === "attempt" && l.resultCode === "MISSED_SLOT")).toEqual([]);
    expect(world.departures[0]?.at).toBe(T0 + 30);
    expect(world.maxInWindow(1000)).toBeLessThanOrEqual(20);
  });
});
