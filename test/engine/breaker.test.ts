import { describe, expect, it } from "vitest";
import { CLOSED, OUTAGE_RUN, recordOutcome } from "../../src/engine/decide/breaker";
import { SUCCESS, T0, World, answered, testSettings, transport } from "./harness";

const drained = (world: World) => () => world.engine.status(null, world.now).backlog.notifications === 0;

describe("a gateway-wide outage", () => {
  it("90 seconds of HTTP 502 fail nothing, and sending resumes within the probe interval of its end", () => {
    const outageEnds = T0 + 5_000 + 90_000;
    const world = new World(
      testSettings({ pacer: { maxRps: 10, guardMs: 20 }, breakerProbeMaxMs: 30_000 }),
      (_t, _n, at) => (at >= T0 + 5_000 && at < outageEnds ? transport("http-error") : SUCCESS),
    );
    const jobId = world.submit(600, 100);
    let heldAt: number | null = null;
    world.run(T0 + 3_600_000, drained(world), () => {
      if (heldAt === null && world.engine.status(null, world.now).hold) heldAt = world.now;
    });
    const job = world.engine.job(null, jobId);
    expect(job).toMatchObject({ status: "completed", succeeded: 60_000, failed: 0 });
    expect(heldAt).not.toBeNull();
    // While held, one probe at a time at a growing interval: a handful of requests, not a backlog's worth.
    const during = world.departures.filter((d) => d.at >= T0 + 5_000 + 2_000 && d.at < outageEnds);
    expect(during.length).toBeLessThan(12);
    const resumed = world.departures.find((d) => d.at >= outageEnds)?.at ?? Number.POSITIVE_INFINITY;
    expect(resumed - outageEnds).toBeLessThanOrEqual(30_000);
    // Once resumed, it is back at the pace: the 10 s after the first success carry ~10 per second.
    const after = world.departures.filter((d) => d.at >= resumed && d.at < resumed + 10_000).length;
    expect(after).toBeGreaterThanOrEqual(90);
    expect(world.engine.status(null, world.now).hold).toBeNull();
  });

  it("one notification that keeps failing on its own is not an outage: it spends its budget and fails", () => {
    const world = new World(testSettings({ retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 100 } }), () =>
      transport("timeout"),
    );
    world.submit(1, 1);
    world.run(T0 + 600_000, drained(world));
    expect(world.rows("SELECT state, attempts FROM runs")).toEqual([{ state: "failed", attempts: 5 }]);
  });
});

describe("a client-wide setup error", () => {
  it("INVALID_SIGNATURE holds every notification (none failed, no budget spent), health says why, a probe's success resumes", () => {
    let keyFixedAt = Number.POSITIVE_INFINITY;
    const world = new World(testSettings({ pacer: { maxRps: 20, guardMs: 20 } }), (_t, _n, at) =>
      at < keyFixedAt ? answered("F", "INVALID_SIGNATURE", "final") : SUCCESS,
    );
    const jobId = world.submit(20, 100);
    world.run(T0 + 120_000);
    expect(world.engine.job(null, jobId)).toMatchObject({ failed: 0, succeeded: 0, pending: 2000 });
    expect(world.rows<{ n: number }>("SELECT SUM(budget_spent) AS n FROM runs")[0]?.n).toBe(0);
    expect(world.departures.length).toBeLessThan(20);
    const health = world.engine.health();
    expect(health.map((r) => r.reason)).toEqual(["breaker-open"]);
    expect(health[0]?.detail).toContain("INVALID_SIGNATURE");
    expect(world.engine.status(null, world.now).hold).toMatchObject({ kind: "setup" });

    keyFixedAt = world.now;
    world.run(world.now + 120_000, drained(world));
    expect(world.engine.job(null, jobId)).toMatchObject({ status: "completed", succeeded: 2000, failed: 0 });
    expect(world.engine.health()).toEqual([]);
  });

  it("answers that do not verify, several in a row, hold sending too", () => {
    const world = new World(testSettings(), () => ({
      outcome: { kind: "unverified", resultClass: "unknown", detail: "bad signature" },
      afterMs: 200,
    }));
    const jobId = world.submit(50, 100);
    world.run(T0 + 60_000);
    expect(world.engine.status(null, world.now).hold).toMatchObject({ kind: "unverified" });
    expect(world.engine.job(null, jobId)?.failed).toBe(0);
  });
});

describe("the breaker's decision", () => {
  it("opens only on a run across several batches, and is closed again by a trusted answer", () => {
    let state = CLOSED;
    for (let i = 0; i < OUTAGE_RUN - 1; i++) {
      const d = recordOutcome(
        state,
        { kind: "timeout", resultClass: "unknown", resultCode: "TIMEOUT", lead: i },
        T0,
        30_000,
      );
      expect(d.absorbed).toBe(false);
      state = d.state;
    }
    const opened = recordOutcome(
      state,
      { kind: "http-error", resultClass: "unknown", resultCode: "HTTP_502", lead: 99 },
      T0,
      30_000,
    );
    expect(opened).toMatchObject({
      absorbed: true,
      change: "opened",
      state: { hold: { kind: "outage", nextProbeAt: T0 + 1000 } },
    });
    const failedProbe = recordOutcome(
      opened.state,
      { kind: "timeout", resultClass: "unknown", resultCode: "TIMEOUT", lead: 1 },
      T0 + 1000,
      30_000,
    );
    expect(failedProbe.state.hold?.nextProbeAt).toBe(T0 + 3000);
    const closed = recordOutcome(
      failedProbe.state,
      { kind: "answered", resultClass: "success", resultCode: "SUCCESS", lead: 1 },
      T0 + 3000,
      30_000,
    );
    expect(closed).toMatchObject({ change: "closed", state: { hold: null } });
  });
});

describe("an operator's pause", () => {
  it("holds all sending with no probes until resumed; accepted work still queues", () => {
    const world = new World(testSettings());
    world.engine.pause("wrong template", world.now);
    const jobId = world.submit(5, 1);
    world.run(T0 + 600_000);
    expect(world.departures).toEqual([]);
    expect(world.engine.status(null, world.now).hold).toMatchObject({
      kind: "paused",
      reason: "wrong template",
      nextProbeAt: null,
    });
    world.restart();
    expect(world.engine.status(null, world.now).hold?.kind).toBe("paused");
    world.engine.resume();
    world.run(world.now + 60_000, () => world.engine.job(null, jobId)?.status === "completed");
    expect(world.engine.job(null, jobId)?.succeeded).toBe(5);
  });
});
