/**
 * The storefront scenarios' arithmetic, on made-up records: which arrival belongs to which POST, what
 * a repeat or a refused POST counts as, B's drain against its fair share, and the rows' targets. The
 * runs themselves are the benchmark's (`npm run bench -- --only=small-jobs,behind-bulk,two-callers`).
 */
import { describe, expect, it } from "vitest";
import type { DeliveriesView } from "../../dev/gateway/control.ts";
import { openIdOf } from "../../dev/relay-client.ts";
import {
  firstArrivals,
  idealDrainMs,
  type ScenarioFigures,
  type Sent,
  type SmallJobsResult,
  singlesFigures,
  type TwoCallersResult,
  twoCallersFigures,
} from "../../bench/storefront-figures.ts";
import { storefrontRows } from "../../bench/storefront-rows.ts";
import { summarize } from "../../bench/stats.ts";

const sent = (at: number, status = 202, ms = 10): Sent => ({ at, lateMs: 0, status, ms });

describe("which arrival is whose", () => {
  it("takes each openId's first delivery, on the bench's clock", () => {
    const view: DeliveriesView = { openIds: ["x1", "x2", "x1"], at: [1500, 1520, 1600] };
    expect([...firstArrivals(view, 500)]).toEqual([
      ["x1", 1000],
      ["x2", 1020],
    ]);
  });

  it("times each accepted POST to its own notification, and counts the others by their answer", () => {
    const posts = [sent(100, 202, 12), sent(110, 202, 30), sent(120, 429), sent(130, 0), sent(140, 202, 20)];
    // POST 0 and 1 arrived; POST 4 was accepted but never arrived; another tag's arrival is not theirs.
    const arrivals = new Map([
      [openIdOf("sj", 1), 610],
      [openIdOf("sj", 0), 400],
      [openIdOf("bs", 4), 150],
    ]);
    const figures = singlesFigures(posts, "sj", arrivals);
    expect(figures.latency).toEqual(summarize([300, 500]));
    expect(figures.answer).toEqual(summarize([12, 30, 20]));
    expect(figures.refused).toBe(2);
    expect(figures.refusedBy).toEqual({ 429: 1, 0: 1 });
  });
});

describe("two callers", () => {
  it("puts B's ideal at half of every request's places: 3,000 at 50/s in 1.2 s", () => {
    expect(idealDrainMs(3000, 50, 1 / 2)).toBe(1200);
    expect(idealDrainMs(20_000, 20, 1)).toBe(10_000);
  });

  it("measures B's drain to its last first arrival, and B's share of what arrived meanwhile", () => {
    const [a, b] = [(i: number) => openIdOf("ca", i), (i: number) => openIdOf("cb", i)];
    // Stand-in clock = bench clock + 500. Three requests, then a repeat of B's first notification.
    const view: DeliveriesView = {
      openIds: [a(0), a(1), a(2), b(0), b(1), a(3), b(0)],
      at: [1000, 1000, 1020, 1020, 1040, 1040, 1060],
    };
    const f = twoCallersFigures(view, 500, {
      quota: 50,
      a: { tag: "ca", count: 4, sentAt: 400 },
      b: { tag: "cb", count: 2, sentAt: 510 },
    });
    expect(f.bDrainMs).toBe(30); // 540 − 510: the repeat at 560 is not B's last arrival
    expect(f.bIdealMs).toBeCloseTo(0.8, 9); // 2 / (50 × 50) s
    expect(f.bRatio).toBeCloseTo(37.5, 9);
    expect(f.bShareWhileBoth).toBe(0.5); // from 520 to 540: a2, b0, b1, a3
    expect(f.aDrainMs).toBe(140);
    expect(f.aPerSecond).toBeCloseTo(100, 9); // 4 in 40 ms
  });
});

describe("the rows", () => {
  const base: ScenarioFigures = {
    runtime: "workerd",
    quota: 20,
    gateway: { from: 0, to: 1, calls: 0, exceeded: 0, exceedShare: 0, maxIn1000ms: 20, rps: 20, ratio: 1 },
    notificationsPerRequest: 1,
    missing: 0,
    repeats: 0,
    standInLoopDelayMs: { p99: 5, max: 10 },
    cores: null,
    relayRunQueueShare: null,
  };
  const latency = (p99: number) => ({ n: 2000, p50: p99 / 2, p99, max: p99 });
  const smallJobs = (calls: number, p99: number, answerP99: number, missing = 0): SmallJobsResult => ({
    ...base,
    gateway: { ...base.gateway, calls },
    missing,
    posts: 2000,
    perSecond: 100,
    latency: latency(p99),
    answer: { n: 2000, p50: 10, p99: answerP99, max: answerP99 },
    refused: 0,
    refusedBy: {},
    sendLateMs: latency(1),
  });
  const met = (rows: ReturnType<typeof storefrontRows>) => rows.map((r) => r.met);

  it("holds 2,000 singles at 100/s and 20/s to 420 requests, p99 0.5 s, POST p99 150 ms", () => {
    const today = storefrontRows({ smallJobs: [smallJobs(2000, 89_100, 713)] });
    expect(today[0]).toMatchObject({ figure: "2,000", target: "≤ 420", met: false });
    expect(met(today).slice(0, 3)).toEqual([false, false, false]);
    expect(met(storefrontRows({ smallJobs: [smallJobs(420, 500, 150)] })).slice(0, 3)).toEqual([true, true, true]);
    // Fast but lossy is not met.
    const lossy = storefrontRows({ smallJobs: [smallJobs(400, 300, 100, 3)] });
    expect(lossy[1]).toMatchObject({ met: false, measure: expect.stringContaining("3 never arrived") });
  });

  it("holds B's drain to 1.3 × its fair share", () => {
    const twoCallers = (bRatio: number): TwoCallersResult => ({
      ...base,
      quota: 50,
      a: 30_000,
      b: 3000,
      bDrainMs: bRatio * 1200,
      bIdealMs: 1200,
      bRatio,
      bShareWhileBoth: 0.5,
      aDrainMs: 7000,
      aPerSecond: 4500,
    });
    expect(storefrontRows({ twoCallers: [twoCallers(4.4)] })[0]).toMatchObject({ figure: "4.40", met: false });
    expect(storefrontRows({ twoCallers: [twoCallers(1.3)] })[0]).toMatchObject({ target: "≤ 1.3", met: true });
  });
});
