/**
 * What the stand-in saw, judged against a quota: every figure here comes from the arrival times the
 * stand-in stamped on its own clock, in its own process, before reading each request (dev/gateway/).
 * Shared by the pace, overlap, waiters and adaptation phases.
 */
import { maxInAnyWindow } from "../dev/gateway/limiter.ts";
import type { GatewayProcess } from "../dev/gateway/spawn.ts";
import { countBetween, round } from "./stats.ts";

/** The stand-in's record of one phase, times in ms on its clock. */
export interface ArrivalRecord {
  all: number[];
  admitted: number[];
  /** Answers by result code. */
  byResult: Record<string, number>;
  /** The stand-in's own event-loop delay over the phase, ms: how late an arrival may have been stamped. */
  loopDelayMs: { p99: number; max: number };
  /** Stand-in clock − this process's clock, ms. */
  offsetMs: number;
}

/** Reads the stand-in's arrivals, answers and loop delay. */
export async function readArrivals(gateway: GatewayProcess): Promise<ArrivalRecord> {
  const [{ arrivals, admittedArrivals }, counts, offsetMs] = await Promise.all([
    gateway.arrivals(),
    gateway.counts(),
    gateway.clockOffsetMs(),
  ]);
  return { all: arrivals, admitted: admittedArrivals, byResult: counts.byResult, loopDelayMs: counts.loopDelayMs, offsetMs };
}

/** Figures over [from, to] (ms on the stand-in's clock). */
export interface WindowFigures {
  /** The window, ms since the first arrival. */
  from: number;
  to: number;
  calls: number;
  exceeded: number;
  exceedShare: number;
  /** Most arrivals (admitted or not) in any sliding 1,000 ms inside the window. */
  maxIn1000ms: number;
  /** Admitted arrivals per second, and that ÷ quota. */
  rps: number;
  ratio: number;
}

/** Calls, refusals, the busiest 1,000 ms and the admitted rate between `from` and `to`. */
export function windowFigures(record: ArrivalRecord, from: number, to: number, quota: number): WindowFigures {
  const first = record.all[0] ?? from;
  const inside = record.all.filter((t) => t >= from && t <= to);
  const admitted = countBetween(record.admitted, from, to);
  const rps = to > from ? admitted / ((to - from) / 1000) : 0;
  return {
    from: round(from - first, 0),
    to: round(to - first, 0),
    calls: inside.length,
    exceeded: inside.length - admitted,
    exceedShare: inside.length ? (inside.length - admitted) / inside.length : 0,
    maxIn1000ms: maxInAnyWindow(inside),
    rps,
    ratio: rps / quota,
  };
}
