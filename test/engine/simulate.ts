/**
 * Fake-clock simulations of the pacer against a stand-in gateway, shared by the pacer tests and the
 * benchmark. No sleeps: time is a number that jumps from event to event.
 */
import {
  type PacerSettings,
  type PacerState,
  initialPacer,
  nextSendAt,
  recordAccepted,
  recordExceed,
  recordSend,
} from "../../src/engine/decide/pacer";

/** A deterministic random source in [0, 1) (xorshift32), so a failing run can be replayed. */
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** A gateway that accepts at most `limit` arrivals in any sliding 1000 ms and refuses the rest. */
export function createGateway(limitAt: (t: number) => number, windowMs = 1000) {
  const acceptedAt: number[] = [];
  return {
    /** Decides one arrival at `t` (ms); true = accepted. Refusals do not count against the window. */
    arrive(t: number): boolean {
      while (acceptedAt.length > 0 && (acceptedAt[0] ?? 0) <= t - windowMs) acceptedAt.shift();
      if (acceptedAt.length >= limitAt(t)) return false;
      acceptedAt.push(t);
      return true;
    },
  };
}

/** How the simulated relay and gateway behave. */
export interface SimulationOptions {
  settings: PacerSettings;
  durationMs: number;
  /** The scheduler wakes this much late, uniform in [0, wakeJitterMs) ms. Default 0. */
  wakeJitterMs?: number;
  /** The gateway's real limit over time, per second; omit for an unlimited gateway. */
  limitAt?: (t: number) => number;
  /** Arrival = send + uniform [0, arrivalJitterMs) ms. Default 10. */
  arrivalJitterMs?: number;
  /** Answer = arrival + latencyMs. Default 200. */
  latencyMs?: number;
  seed?: number;
}

/** What happened in one simulation (times in ms from the start). */
export interface SimulationResult {
  sends: number[];
  arrivals: number[];
  accepted: number;
  exceeded: number;
  /** How many times an exceed lowered the live rate (merged bursts count once). */
  decreases: number;
  /** Live rate sampled once per second, per second. */
  liveTrace: number[];
  final: PacerState;
}

type Event = { at: number; kind: "arrive" } | { at: number; kind: "answer"; exceeded: boolean };

/** Runs a backlog that never empties: the scheduler sends whenever the pacer allows, waking late by jitter. */
export function simulate(o: SimulationOptions): SimulationResult {
  const random = seededRandom(o.seed ?? 1);
  const gateway = createGateway(o.limitAt ?? (() => Infinity));
  const arrivalJitterMs = o.arrivalJitterMs ?? 10;
  const latencyMs = o.latencyMs ?? 200;
  const wakeJitterMs = o.wakeJitterMs ?? 0;
  const queue: Event[] = [];
  const push = (e: Event) => {
    const i = queue.findIndex((q) => q.at > e.at);
    queue.splice(i < 0 ? queue.length : i, 0, e);
  };
  const r: SimulationResult = {
    sends: [],
    arrivals: [],
    accepted: 0,
    exceeded: 0,
    decreases: 0,
    liveTrace: [],
    final: initialPacer(o.settings, 0),
  };
  let state = r.final;
  let wakeAt = 0;
  for (;;) {
    const head = queue[0];
    if (head !== undefined && head.at <= wakeAt) {
      queue.shift();
      if (head.kind === "arrive") {
        const ok = gateway.arrive(head.at);
        if (ok) r.arrivals.push(head.at);
        push({ at: head.at + latencyMs, kind: "answer", exceeded: !ok });
      } else if (head.exceeded) {
        r.exceeded++;
        const before = state.lastDecreaseAt;
        state = recordExceed(state, o.settings, head.at);
        if (state.lastDecreaseAt !== before) r.decreases++;
      } else {
        r.accepted++;
        state = recordAccepted(state, o.settings, head.at);
      }
      continue;
    }
    const now = wakeAt;
    if (now >= o.durationMs) break;
    while (r.liveTrace.length <= now / 1000) r.liveTrace.push(state.liveRps);
    while (nextSendAt(state, o.settings, now) <= now) {
      state = recordSend(state, o.settings, now);
      r.sends.push(now);
      push({ at: now + random() * arrivalJitterMs, kind: "arrive" });
    }
    wakeAt = nextSendAt(state, o.settings, now) + random() * wakeJitterMs;
  }
  r.final = state;
  return r;
}

/** The largest number of times (ascending) inside any half-open window [t, t + windowMs). */
export function maxInWindow(times: number[], windowMs: number): number {
  let most = 0;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    while ((times[i] ?? 0) - (times[j] ?? 0) >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** Events in [fromMs, toMs) per second. */
export function ratePerSecond(times: number[], fromMs: number, toMs: number): number {
  return times.filter((t) => t >= fromMs && t < toMs).length / ((toMs - fromMs) / 1000);
}
