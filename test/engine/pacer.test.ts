import { describe, expect, it } from "vitest";
import {
  type PacerSettings,
  ceilingRps,
  initialPacer,
  nextSendAt,
  paceSnapshot,
  recordAccepted,
  recordExceed,
  recordSend,
} from "../../src/engine/decide/pacer";
import { maxInWindow, ratePerSecond, simulate } from "./simulate";

const GUARD_MS = 20; // the default
const fmt = (x: number) => x.toFixed(3);

describe("pacer: the hard window and the even pace under a backlog", () => {
  for (const wakeJitterMs of [0, 20]) {
    for (const maxRps of [10, 50, 200, 2.5, 0.5]) {
      it(`maxRps ${maxRps}, scheduler late by 0–${wakeJitterMs} ms: never over the quota, close to it`, () => {
        const durationMs = 60_000;
        const r = simulate({ settings: { maxRps }, durationMs, wakeJitterMs, seed: 11 });
        const achieved = r.sends.length / (durationMs / 1000);
        const cap = Math.max(1, Math.floor(maxRps));
        console.log(
          `backlog maxRps=${maxRps} wakeJitter=0-${wakeJitterMs}ms: ${fmt(achieved)}/s = ${fmt(achieved / maxRps)} of maxRps ` +
            `(${fmt(achieved / ceilingRps(maxRps))} of the attainable ${ceilingRps(maxRps)}/s); ` +
            `max starts in any 1000 ms = ${maxInWindow(r.sends, 1000)}, in any ${1000 + GUARD_MS} ms = ${maxInWindow(r.sends, 1000 + GUARD_MS)}`,
        );
        expect(maxInWindow(r.sends, 1000)).toBeLessThanOrEqual(cap);
        expect(maxInWindow(r.sends, 1000 + GUARD_MS)).toBeLessThanOrEqual(cap);
        // A fractional maxRps above 1 can only be met as floor(maxRps) per second (counts are whole).
        expect(achieved).toBeGreaterThanOrEqual(0.95 * ceilingRps(maxRps));
        if (Number.isInteger(maxRps) || maxRps < 1) expect(achieved).toBeGreaterThanOrEqual(0.95 * maxRps);
      });
    }
  }

  it("spaces a backlog evenly instead of bursting at the start of each second", () => {
    const r = simulate({ settings: { maxRps: 50 }, durationMs: 10_000 });
    // 50/s evenly is one start per 20.4 ms: 5 in any 100 ms, 6 at a boundary.
    expect(maxInWindow(r.sends, 100)).toBeLessThanOrEqual(6);
    const gaps = r.sends.slice(1).map((t, i) => t - (r.sends[i] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(21);
  });

  it("after idle starts with one send, not a burst of saved-up credit", () => {
    const s: PacerSettings = { maxRps: 200 };
    let state = initialPacer(s, 0);
    const t = 60_000;
    state = recordSend(state, s, t);
    expect(nextSendAt(state, s, t)).toBeGreaterThan(t);
    expect(nextSendAt(state, s, t)).toBe(t + Math.ceil(1020 / 200));
  });

  it("lets a late wake catch up on the slots it missed, no more", () => {
    const s: PacerSettings = { maxRps: 100 }; // one slot per 10.2 ms
    let state = recordSend(initialPacer(s, 0), s, 0);
    const late = 35; // woke 35 ms after the start: slots at 10.2, 20.4 and 30.6 were missed
    let sent = 0;
    while (nextSendAt(state, s, late) <= late) {
      state = recordSend(state, s, late);
      sent++;
    }
    expect(sent).toBe(3);
  });

  it("keeps its send record bounded and its state plain JSON", () => {
    const s: PacerSettings = { maxRps: 50 };
    let state = initialPacer(s, 0);
    for (let t = 0; t < 5000; t++) {
      if (nextSendAt(state, s, t) <= t) state = recordSend(state, s, t);
      if (t % 7 === 0) state = recordAccepted(state, s, t);
    }
    expect(state.sends.length).toBeLessThanOrEqual(50);
    expect(state.accepted.length).toBeLessThanOrEqual(101);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});

describe("pacer: adapting to a real limit below the configured one", () => {
  for (const maxRps of [10, 50, 200]) {
    it(`maxRps ${maxRps} against a gateway that allows ${maxRps / 2}/s: ≥ 0.85 of the real limit, ≤ 5 % exceeds`, () => {
      const limit = maxRps / 2;
      const durationMs = 120_000;
      for (const wakeJitterMs of [0, 20]) {
        const r = simulate({ settings: { maxRps }, durationMs, limitAt: () => limit, wakeJitterMs, seed: 5 });
        const calls = r.accepted + r.exceeded;
        const achieved = ratePerSecond(r.arrivals, 0, durationMs);
        console.log(
          `half-limit maxRps=${maxRps} real=${limit}/s wakeJitter=0-${wakeJitterMs}ms: achieved ${fmt(achieved)}/s = ` +
            `${fmt(achieved / limit)} of the real limit; exceeds ${r.exceeded}/${calls} = ${((100 * r.exceeded) / calls).toFixed(2)} %; ` +
            `decreases ${r.decreases}; live min/max after 10 s ${fmt(Math.min(...r.liveTrace.slice(10)))}/${fmt(Math.max(...r.liveTrace.slice(10)))}`,
        );
        expect(achieved).toBeGreaterThanOrEqual(0.85 * limit);
        expect(r.exceeded / calls).toBeLessThanOrEqual(0.05);
      }
    });
  }

  it("climbs back to the ceiling once the real limit rises again", () => {
    const maxRps = 50;
    const riseAtMs = 60_000;
    const durationMs = 240_000;
    const r = simulate({ settings: { maxRps }, durationMs, limitAt: (t) => (t < riseAtMs ? 25 : 1000), seed: 3 });
    const back = r.liveTrace.findIndex((live, second) => second * 1000 >= riseAtMs && live >= maxRps);
    const lastMinute = ratePerSecond(r.sends, durationMs - 60_000, durationMs);
    console.log(
      `recovery maxRps=${maxRps}: real limit 25/s → unlimited at ${riseAtMs / 1000} s; live back at the ceiling after ` +
        `${back - riseAtMs / 1000} s; last minute ${fmt(lastMinute)}/s = ${fmt(lastMinute / maxRps)} of maxRps`,
    );
    expect(back).toBeGreaterThan(0);
    expect(back * 1000 - riseAtMs).toBeLessThanOrEqual(120_000);
    expect(lastMinute).toBeGreaterThanOrEqual(0.95 * maxRps);
  });
});

describe("pacer: exceed answers", () => {
  const s: PacerSettings = { maxRps: 50 };
  /** A pacer that sent and got accepted `perSecond` requests a second for the last two seconds. */
  function loaded(perSecond: number, until: number) {
    let state = initialPacer(s, until - 2000);
    for (let t = until - 2000; t < until; t += 1000 / perSecond) {
      state = recordSend(state, s, t);
      state = recordAccepted(state, s, t);
    }
    return state;
  }

  it("drops below what the gateway accepted in the last second and remembers it", () => {
    const state = recordExceed(loaded(30, 10_000), s, 10_000);
    expect(state.estimateRps).toBe(30);
    expect(state.liveRps).toBeCloseTo(27);
  });

  it("keeps the rate when the gateway just accepted a full configured quota: that refusal is timing noise", () => {
    const full = loaded(50, 10_000);
    const state = recordExceed(full, s, 10_000);
    expect(state.liveRps).toBe(full.liveRps);
    expect(state.estimateRps).toBeNull();
    expect(state.lastExceedAt).toBe(10_000);
  });

  it("treats a burst of exceeds within a second of the decrease as one event", () => {
    const first = recordExceed(loaded(30, 10_000), s, 10_000);
    let state = first;
    for (let t = 10_000; t < 10_999; t += 50) state = recordExceed(state, s, t);
    expect(state.liveRps).toBe(first.liveRps);
    const later = recordExceed(state, s, 11_100);
    expect(later.liveRps).toBeLessThan(first.liveRps);
  });

  it("never drops below the floor, so the queue keeps moving", () => {
    let state = initialPacer(s, 0);
    for (let t = 0; t < 60_000; t += 1500) state = recordExceed(state, s, t);
    expect(state.liveRps).toBe(1);
    expect(nextSendAt(state, s, 60_000)).toBeLessThanOrEqual(60_000);
    const custom = { maxRps: 50, floorRps: 5 };
    let c = initialPacer(custom, 0);
    for (let t = 0; t < 60_000; t += 1500) c = recordExceed(c, custom, t);
    expect(c.liveRps).toBe(5);
  });

  it("recovers only under load: clean answers at a trickle do not raise the rate", () => {
    let state = recordExceed(loaded(30, 10_000), s, 10_000);
    const low = state.liveRps;
    for (let t = 10_000; t < 70_000; t += 1000) state = recordAccepted(state, s, t); // no sends at all
    expect(state.liveRps).toBe(low);
  });
});

describe("pacer: configuration changes", () => {
  it("clamps to a lowered maxRps and starts from a raised one", () => {
    const state = initialPacer({ maxRps: 50 }, 0);
    const lowered = recordSend(state, { maxRps: 10 }, 0);
    expect(lowered.liveRps).toBe(10);
    expect(paceSnapshot(lowered, { maxRps: 10 }, 0)).toMatchObject({
      configuredRps: 10,
      liveRps: 10,
      sentLastSecond: 1,
    });
    const dropped = recordExceed(loaded10(), { maxRps: 10 }, 5000);
    expect(dropped.liveRps).toBeLessThan(10);
    const raised = recordAccepted(dropped, { maxRps: 100 }, 5001);
    expect(raised.liveRps).toBe(100);
    expect(raised.estimateRps).toBeNull();
  });

  it("treats a fractional maxRps above 1 as its whole part and one below 1 as an average", () => {
    expect(ceilingRps(2.5)).toBe(2);
    expect(ceilingRps(0.5)).toBe(0.5);
    expect(paceSnapshot(initialPacer({ maxRps: 2.5 }, 0), { maxRps: 2.5 }, 0)).toMatchObject({
      ceilingRps: 2,
      liveRps: 2,
    });
  });

  it("refuses a maxRps that is not a positive number", () => {
    expect(() => initialPacer({ maxRps: 0 }, 0)).toThrow(RangeError);
    expect(() => initialPacer({ maxRps: Number.NaN }, 0)).toThrow(RangeError);
  });
});

function loaded10() {
  const s = { maxRps: 10 };
  let state = initialPacer(s, 0);
  for (let t = 3000; t < 5000; t += 100) state = recordAccepted(recordSend(state, s, t), s, t);
  return state;
}
