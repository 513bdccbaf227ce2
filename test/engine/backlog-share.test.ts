/**
 * What all callers share is shared fairly at admission: the backlog cap (RELAY_MAX_BACKLOG_BATCHES, in
 * stored runs) keeps its last quarter for callers within their weighted share, so one caller — even one
 * whose work waits a week for its `sendAfter` — cannot lock the others out; a refusal's Retry-After is
 * computed from what is really due and the caller's share, and comes true; large requests being staged
 * hold their room, so two at once cannot together overshoot the cap.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SubmitResult } from "../../src/engine/api";
import {
  BACKLOG_RESERVE_SHARE,
  admitRuns,
  backlogShare,
  drainSeconds,
  openRuns,
} from "../../src/engine/decide/admission";
import { T0, World, testSettings } from "./harness";

const HOUR = 3_600_000;
const A = "caller:shop-a";
const B = "caller:shop-b";

/** Submits one-run jobs for `owner` until one is refused; returns how many were accepted and the refusal. */
function fill(
  world: World,
  owner: string,
  extra: { sendAfter?: number } = {},
  most = 10_000,
): { accepted: number; refusal: SubmitResult } {
  for (let accepted = 0; accepted < most; accepted++) {
    const result = world.engine.submit(world.request(1, 1, { owner, ...extra }), world.now);
    if (result.kind !== "created") return { accepted, refusal: result };
  }
  throw new Error(`${owner} was never refused`);
}

describe("the backlog's reserve (pure)", () => {
  it("a caller alone fills the open part only; a caller within its weighted share may use the reserve; the cap is never passed", () => {
    expect(openRuns(100)).toBe(75);
    expect(admitRuns({ total: 75, own: 75, weight: 1, othersWeight: 0 }, 1, 100)).toMatchObject({
      fits: false,
      reason: "over-share",
    });
    expect(admitRuns({ total: 75, own: 0, weight: 1, othersWeight: 1 }, 25, 100)).toEqual({ fits: true });
    expect(admitRuns({ total: 100, own: 0, weight: 1, othersWeight: 1 }, 1, 100)).toMatchObject({
      fits: false,
      reason: "full",
      excess: 1,
    });
    expect(backlogShare({ weight: 3, othersWeight: 1 }, 100)).toBe(75);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.nat(10_000),
        fc.nat(10_000),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(10),
        fc.integer({ min: 1, max: 200 }),
        (max, total, own, weight, othersWeight, adding) => {
          fc.pre(own <= total);
          const verdict = admitRuns({ total, own, weight, othersWeight }, adding, max);
          const share = backlogShare({ weight, othersWeight }, max);
          if (verdict.fits) {
            expect(total + adding).toBeLessThanOrEqual(max);
            // Into the reserve only within its share.
            if (total + adding > max - Math.floor(max * BACKLOG_RESERVE_SHARE))
              expect(own + adding).toBeLessThanOrEqual(share);
          } else if (total + adding <= max) {
            expect(verdict.reason).toBe("over-share");
            expect(own + adding).toBeGreaterThan(share);
          }
        },
      ),
    );
  });
});

describe("when room comes back (pure)", () => {
  it("grows with the runs that must leave and their size, at the places a request gives; waiting work goes no earlier than it falls due", () => {
    const due = {
      runs: 20_000,
      dueRuns: 20_000,
      dueNotifications: 2_000_000,
      notifications: 2_000_000,
      nextWaitingAt: null,
    };
    // Full runs of 100 at 100 places x 20 per second: 20 runs a second.
    expect(drainSeconds(due, 100, 100, 20, T0)).toBe(5);
    expect(drainSeconds(due, 200, 100, 20, T0)).toBe(10);
    // At a caller's share of 25 places, four times as long.
    expect(drainSeconds(due, 100, 25, 20, T0)).toBe(20);
    // Runs of one notification: a request carries 100 of them.
    expect(drainSeconds({ ...due, dueNotifications: 20_000, notifications: 20_000 }, 100, 100, 20, T0)).toBe(1);
    // Nothing due, everything waits an hour: not before the hour.
    const waiting = { runs: 100, dueRuns: 0, dueNotifications: 0, notifications: 10_000, nextWaitingAt: T0 + HOUR };
    expect(drainSeconds(waiting, 10, 100, 20, T0)).toBe(3601);
  });
});

describe("one caller cannot lock the others out", () => {
  it("a caller queueing a week ahead fills three quarters; another caller still gets in; each Retry-After says when room really comes", () => {
    const world = new World(testSettings({ maxBacklogBatches: 100 }));
    const later = world.now + 168 * HOUR;
    const a = fill(world, A, { sendAfter: later });
    expect(a.accepted).toBe(75);
    // Nothing of A's is due before next week: its Retry-After says so, not 1 s.
    expect(a.refusal).toMatchObject({ kind: "backlog-full", callerRuns: 75, callerShare: 0 });
    expect((a.refusal as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(168 * 3600);

    // B is within its share (half of 100): the reserve is its.
    const b = fill(world, B);
    expect(b.accepted).toBe(25);
    expect(b.refusal).toMatchObject({ kind: "backlog-full", backlogRuns: 100, limit: 100 });
    const retryAfter = (b.refusal as { retryAfterSeconds: number }).retryAfterSeconds;
    // B's 25 runs are due now: one request at 50 per second carries them all.
    expect(retryAfter).toBeLessThanOrEqual(2);

    // The Retry-After comes true: by then B's work is sent and B is accepted again.
    world.run(world.now + retryAfter * 1000);
    expect(world.engine.submit(world.request(1, 1, { owner: B }), world.now).kind).toBe("created");
    // A is still over its share while the backlog is in its reserve.
    expect(world.engine.submit(world.request(1, 1, { owner: A, sendAfter: later }), world.now)).toMatchObject({
      kind: "backlog-full",
      callerShare: 50,
    });
    expect(world.engine.status(null, world.now).callers).toEqual([
      expect.objectContaining({ caller: A, runs: 75, backlogShare: 50, due: 0, queued: 75 }),
      expect.objectContaining({ caller: B, runs: 1, backlogShare: 50 }),
    ]);
  });

  it("delayed work is counted apart from due work: the status shows both, and a full backlog's Retry-After waits for what is delayed", () => {
    const world = new World(testSettings({ maxBacklogBatches: 40 }));
    world.submit(10, 1, { owner: A });
    const inAnHour = world.now + HOUR;
    for (let i = 0; i < 20; i++) world.submit(1, 1, { owner: B, sendAfter: inAnHour });
    for (let i = 0; i < 10; i++) world.submit(1, 1, { owner: A, sendAfter: inAnHour });
    expect(world.engine.status(null, world.now).backlog).toMatchObject({ queued: 40, due: 10, delayed: 30 });
    // Full: 10 runs are due and leave within a second; more than that has to wait for the hour.
    const big = world.engine.submit(world.request(20, 1, { owner: "key:other" }), world.now);
    expect(big).toMatchObject({ kind: "backlog-full" });
    const retryAfter = (big as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(retryAfter).toBeGreaterThanOrEqual(3600);
    expect(retryAfter).toBeLessThan(3700);
  });

  it("weights give a caller a larger share of the backlog", () => {
    const world = new World(testSettings({ maxBacklogBatches: 100, callerWeights: { [A]: 3 } }));
    world.submit(1, 1, { owner: A });
    world.submit(1, 1, { owner: B });
    const shares = Object.fromEntries(
      world.engine.status(null, world.now).callers.map((c) => [c.caller, c.backlogShare]),
    );
    expect(shares).toEqual({ [A]: 75, [B]: 25 });
  });
});

describe("large requests being staged hold their room", () => {
  it("two at once cannot together overshoot the cap: the second is refused before it stages anything", async () => {
    const world = new World(testSettings({ maxBacklogBatches: 100 }));
    const first = world.request(30, 100, { owner: A });
    const second = world.request(30, 100, { owner: B });
    const third = world.request(30, 100, { owner: "key:third" });
    const stagedRuns: number[] = [];
    const yieldNow = async () => {
      stagedRuns.push(world.rows<{ n: number }>("SELECT COUNT(*) AS n FROM runs WHERE state = 'staged'")[0]!.n);
    };
    const service = world.service(yieldNow);
    const results = await Promise.all([service.submit(first), service.submit(second), service.submit(third)]);
    // 30 + 30 fit in the 75 open to anyone; a third 30 only within its share, and its share is 33 of the
    // 100 with three callers, but 90 would pass the open 75: refused before a row is written.
    expect(results.map((r) => r.kind)).toEqual(["created", "created", "backlog-full"]);
    expect(Math.max(...stagedRuns)).toBeLessThanOrEqual(60);
    expect(world.rows<{ n: number }>("SELECT COUNT(*) AS n FROM runs WHERE job_id = ?", third.jobId)[0]!.n).toBe(0);
    expect(world.engine.status(null, world.now).backlog.notifications).toBe(6000);
  });

  it("and count against the storage cap: a request that would pass it with another being staged is refused", async () => {
    const world = new World(testSettings({ storageCapBytes: 1_000_000 }));
    const first = world.request(50, 100, { owner: A });
    const second = world.request(50, 100, { owner: B });
    let interleaved: SubmitResult | null = null;
    let once = false;
    // While the first is being staged (after its first slice), the second comes in.
    const result = await world
      .service(async () => {
        if (once) return;
        once = true;
        interleaved = await world.service().submit(second);
      })
      .submit(first);
    expect(result.kind).toBe("created");
    expect(interleaved).toMatchObject({ kind: "storage-full", capBytes: 1_000_000 });
    expect(world.rows<{ n: number }>("SELECT COUNT(*) AS n FROM runs WHERE job_id = ?", second.jobId)[0]!.n).toBe(0);
  });
});

describe("Retry-After follows the caller's own due work and its share", () => {
  it("a caller over its share is told when its own due work is down to its share, at its share of each request", () => {
    const world = new World(testSettings({ maxBacklogBatches: 1000 }));
    // B keeps a little due work, A a lot: A's places per request are half of 100.
    for (let i = 0; i < 10; i++) world.submit(10, 100, { owner: B });
    for (let i = 0; i < 65; i++) world.submit(10, 100, { owner: A });
    // A holds 650 runs; its share of 1000 with B holding work is 500; 10 more would take the backlog to 760 > 750.
    const refusal = world.engine.submit(world.request(10, 100, { owner: A }), world.now);
    expect(refusal).toMatchObject({ kind: "backlog-full", callerRuns: 650, callerShare: 500 });
    const retryAfter = (refusal as { retryAfterSeconds: number }).retryAfterSeconds;
    // Either 160 of A's full runs at 50 places a request, 50 requests a second (7 s), or 10 of everyone's
    // runs out of the reserve at 100 places (1 s): the sooner.
    expect(retryAfter).toBe(1);
    world.run(world.now + retryAfter * 1000 + 200);
    expect(world.engine.submit(world.request(10, 100, { owner: A }), world.now).kind).toBe("created");
  });
});

describe("a refused request leaves the clock honest", () => {
  it("never answers Retry-After before any work is due when all of it waits (T0 + 1 h)", () => {
    const world = new World(testSettings({ maxBacklogBatches: 4 }));
    for (let i = 0; i < 3; i++) world.submit(1, 1, { owner: A, sendAfter: T0 + HOUR });
    const refusal = world.engine.submit(world.request(2, 1, { owner: A }), world.now);
    expect(refusal.kind).toBe("backlog-full");
    expect((refusal as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(3600);
  });
});
