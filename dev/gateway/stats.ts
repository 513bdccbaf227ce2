/**
 * What the stand-in saw, for tests and benchmarks: every arrival, every answer, every notification it
 * "delivered". This is the oracle for "nothing lost", "delivered once", "never above the quota".
 */
import { maxInAnyWindow } from "./limiter.ts";
import type { FaultKind } from "./faults.ts";

/** One notification the stand-in accepted (answered S for, or processed before a fault). */
export interface Delivery {
  openId: string;
  templateCode: string;
  /** The templateValue as AlipayHK would read it: a JSON string. */
  templateValue: string;
  merchantId: string;
  reqMsgId: string;
  /** Arrival time of the request, epoch ms. */
  at: number;
}

/** A refused request, kept for debugging (the last 200). */
export interface Rejection {
  at: number;
  resultCode: string;
  message: string;
  reqMsgId?: string;
}

/** A snapshot of everything recorded since start or the last reset. */
export interface GatewayStats {
  /** Requests to the API (control endpoints excluded). */
  requests: number;
  /** Answers by what the client saw: a resultCode, or HTTP_502 / NO_ANSWER / GARBAGE / RESET / UNVERIFIABLE. */
  byResult: Record<string, number>;
  /** Injected faults by kind. */
  faults: Partial<Record<FaultKind, number>>;
  /** Requests whose signature did not verify. */
  signatureFailures: number;
  /** reqMsgIds that arrived more than once (each repeat listed once per repeat). */
  repeatedReqMsgIds: string[];
  /** Notifications accepted, counting repeats. */
  deliveredCount: number;
  /** Notifications accepted per openId: "delivered once" means every value is 1. */
  deliveredByOpenId: Record<string, number>;
  /** Most arrivals in any 1000 ms window: all requests, and those the limiter admitted. */
  maxPerSecond: { all: number; admitted: number };
  /** First and last arrival, epoch ms (undefined before any). */
  firstArrivalAt?: number;
  lastArrivalAt?: number;
  /** Requests per path, so a misconfigured URL shows. */
  paths: Record<string, number>;
  /** The last refusals with their messages. */
  rejections: Rejection[];
  /** Omitted when a summary is asked for. */
  deliveries?: Delivery[];
  arrivals?: number[];
  admittedArrivals?: number[];
}

/** Collects gateway events. */
export interface StatsRecorder {
  arrival(at: number, path: string, admitted: boolean): void;
  answered(key: string): void;
  fault(kind: FaultKind): void;
  signatureFailure(): void;
  /** Remembers a reqMsgId; true when it was seen before (and records the repeat). */
  seenBefore(reqMsgId: string): boolean;
  rejection(r: Rejection): void;
  delivered(d: Delivery): void;
  snapshot(detail: boolean): GatewayStats;
  /** Arrival times, all and admitted (epoch ms), without the delivery records. */
  timeline(): { arrivals: number[]; admittedArrivals: number[] };
  /** Each delivered notification whose openId starts with `prefix`, in arrival order, as two parallel lists. */
  deliveryTimes(prefix?: string): { openIds: string[]; at: number[] };
  /** The running totals only, in constant time (snapshot copies every record: too slow to poll under load). */
  counts(): GatewayCounts;
  reset(): void;
}

/** Running totals, cheap enough to poll every few ms. */
export interface GatewayCounts {
  requests: number;
  byResult: Record<string, number>;
  deliveredCount: number;
  /** Distinct openIds among them: below deliveredCount when some notification arrived more than once. */
  deliveredOpenIds: number;
}

/** Creates an empty recorder. */
export function createStatsRecorder(): StatsRecorder {
  let s = empty();
  return {
    arrival(at, path, admitted) {
      s.requests++;
      s.paths[path] = (s.paths[path] ?? 0) + 1;
      s.arrivals.push(at);
      if (admitted) s.admittedArrivals.push(at);
    },
    answered(key) {
      s.byResult[key] = (s.byResult[key] ?? 0) + 1;
    },
    fault(kind) {
      s.faults[kind] = (s.faults[kind] ?? 0) + 1;
    },
    signatureFailure() {
      s.signatureFailures++;
    },
    seenBefore(reqMsgId) {
      if (!s.seen.has(reqMsgId)) {
        s.seen.add(reqMsgId);
        return false;
      }
      s.repeatedReqMsgIds.push(reqMsgId);
      return true;
    },
    rejection(r) {
      s.rejections.push(r);
      if (s.rejections.length > 200) s.rejections.shift();
    },
    delivered(d) {
      s.deliveries.push(d);
      const before = s.deliveredByOpenId[d.openId] ?? 0;
      if (before === 0) s.deliveredOpenIds++;
      s.deliveredByOpenId[d.openId] = before + 1;
    },
    counts() {
      return {
        requests: s.requests,
        byResult: { ...s.byResult },
        deliveredCount: s.deliveries.length,
        deliveredOpenIds: s.deliveredOpenIds,
      };
    },
    timeline() {
      return { arrivals: [...s.arrivals], admittedArrivals: [...s.admittedArrivals] };
    },
    deliveryTimes(prefix = "") {
      const openIds: string[] = [];
      const at: number[] = [];
      for (const d of s.deliveries) {
        if (!d.openId.startsWith(prefix)) continue;
        openIds.push(d.openId);
        at.push(d.at);
      }
      return { openIds, at };
    },
    snapshot(detail) {
      const out: GatewayStats = {
        requests: s.requests,
        byResult: { ...s.byResult },
        faults: { ...s.faults },
        signatureFailures: s.signatureFailures,
        repeatedReqMsgIds: [...s.repeatedReqMsgIds],
        deliveredCount: s.deliveries.length,
        deliveredByOpenId: { ...s.deliveredByOpenId },
        maxPerSecond: { all: maxInAnyWindow(s.arrivals), admitted: maxInAnyWindow(s.admittedArrivals) },
        firstArrivalAt: s.arrivals[0],
        lastArrivalAt: s.arrivals.at(-1),
        paths: { ...s.paths },
        rejections: [...s.rejections],
      };
      if (detail) {
        out.deliveries = [...s.deliveries];
        out.arrivals = [...s.arrivals];
        out.admittedArrivals = [...s.admittedArrivals];
      }
      return out;
    },
    reset() {
      s = empty();
    },
  };
}

function empty() {
  return {
    requests: 0,
    byResult: {} as Record<string, number>,
    faults: {} as Partial<Record<FaultKind, number>>,
    signatureFailures: 0,
    repeatedReqMsgIds: [] as string[],
    seen: new Set<string>(),
    deliveries: [] as Delivery[],
    deliveredByOpenId: {} as Record<string, number>,
    deliveredOpenIds: 0,
    arrivals: [] as number[],
    admittedArrivals: [] as number[],
    paths: {} as Record<string, number>,
    rejections: [] as Rejection[],
  };
}
