import { describe, expect, it } from "vitest";
import { SUCCESS, T0, World, answered, testSettings, transport } from "./harness";

const drained = (world: World) => () => world.engine.status(null, world.now).backlog.notifications === 0;
const ENDS = ["succeeded", "failed", "cancelled", "expired", "deduplicated"] as const;
const endedSum = (job: Record<(typeof ENDS)[number], number>) => ENDS.reduce((n, k) => n + job[k], 0);

describe("cancelling a job", () => {
  it("ends what has not started as cancelled; what is in flight finishes; the counts add up", () => {
    const world = new World(testSettings({ pacer: { maxRps: 5, guardMs: 20 } }), () => ({ ...SUCCESS, afterMs: 400 }));
    const jobId = world.submit(30, 100);
    world.run(T0 + 2_000);
    const leftBefore = world.departures.length;
    const inFlight = world.engine.status(null, world.now).inFlight;
    expect(inFlight).toBeGreaterThan(0);

    const result = world.engine.cancel("key:alpha", jobId, world.now);
    expect(result.kind).toBe("cancelled");
    if (result.kind !== "cancelled") return;
    expect(result.job.status).toBe("running");
    expect(result.job.cancelled).toBe((30 - leftBefore) * 100);

    world.run(T0 + 600_000, drained(world));
    // Nothing left after the cancel; what was in flight still settled.
    expect(world.departures.length).toBe(leftBefore);
    const job = world.engine.job(null, jobId);
    expect(job).toMatchObject({
      status: "completed",
      succeeded: leftBefore * 100,
      cancelled: (30 - leftBefore) * 100,
      pending: 0,
      failures: [],
    });
    expect(job && endedSum(job)).toBe(3_000);
    expect(job?.batches.filter((b) => b.status === "cancelled")).toEqual([
      {
        size: (30 - leftBefore) * 100,
        status: "cancelled",
        attempts: 0,
        reqMsgId: null,
        resultStatus: null,
        resultCode: null,
        resultMsg: null,
      },
    ]);
    // Nothing of it is left in the outbox's payloads.
    expect(world.rows("SELECT payload_id FROM payloads")).toEqual([]);
  });

  it("a completed job is answered `completed`, unchanged; another caller's job is not found", () => {
    const world = new World();
    const jobId = world.submit(1, 2);
    expect(world.engine.cancel("key:other", jobId, world.now)).toEqual({ kind: "not-found" });
    world.run(T0 + 10_000, drained(world));
    const result = world.engine.cancel(null, jobId, world.now);
    expect(result).toMatchObject({ kind: "completed", job: { status: "completed", succeeded: 2, cancelled: 0 } });
  });

  it("cancelling a job that has not started completes it at once", () => {
    const world = new World();
    world.engine.pause("maintenance", T0);
    const jobId = world.submit(3, 5);
    const result = world.engine.cancel(null, jobId, T0);
    expect(result).toMatchObject({ kind: "cancelled", job: { status: "completed", cancelled: 15, pending: 0 } });
    expect(world.engine.status(null, T0).backlog).toMatchObject({ notifications: 0, queued: 0 });
  });
});

describe("sendAfter", () => {
  it("nothing of the job leaves before it, and the ETA counts from it", () => {
    const world = new World();
    const sendAfter = T0 + 90_000;
    const result = world.engine.submit(world.request(2, 1, { jobId: "job_later", sendAfter }), T0);
    expect(result).toMatchObject({ kind: "created", job: { sendAfter: new Date(sendAfter).toISOString() } });
    if (result.kind === "created") expect(result.estimatedSeconds).toBeGreaterThanOrEqual(90);
    const other = world.submit(2, 1);
    world.run(T0 + 600_000, drained(world));
    const before = world.departures.filter((d) => d.at < sendAfter);
    // Only the other job's notifications left before it, in one request.
    expect(before.flatMap((d) => d.openIds)).toEqual([`${other}-0-0`, `${other}-1-0`]);
    expect(world.engine.job(null, "job_later")).toMatchObject({ status: "completed", succeeded: 2 });
    expect(world.engine.job(null, other)).toMatchObject({ status: "completed" });
    const later = world.departures.filter((d) => d.openIds.some((id) => id.startsWith("job_later")));
    expect(Math.min(...later.map((d) => d.at))).toBeGreaterThanOrEqual(sendAfter);
  });
});

describe("expiresAt", () => {
  it("notifications not sent by then end expired and are never sent; nothing leaves at or after it", () => {
    const world = new World(testSettings({ pacer: { maxRps: 2, guardMs: 20 } }));
    const expiresAt = T0 + 3_000;
    const jobId = world.submit(20, 100, { expiresAt });
    world.run(T0 + 600_000, drained(world));
    const sent = world.departures.length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(20);
    expect(Math.max(...world.departures.map((d) => d.at))).toBeLessThan(expiresAt);
    const job = world.engine.job(null, jobId);
    expect(job).toMatchObject({ status: "completed", succeeded: sent * 100, expired: (20 - sent) * 100, failures: [] });
    expect(job?.completedAt).toBe(new Date(expiresAt).toISOString());
  });

  it("notifications waiting for a resend expire too; while paused, the engine wakes at the deadline", () => {
    const world = new World(testSettings(), () => answered("U", "UNKNOWN_EXCEPTION", "unknown"));
    const jobId = world.submit(1, 3, { expiresAt: T0 + 1_500 });
    world.run(T0 + 600_000, drained(world));
    expect(world.departures.every((d) => d.at < T0 + 1_500)).toBe(true);
    expect(world.engine.job(null, jobId)).toMatchObject({ status: "completed", expired: 3, failed: 0 });

    world.engine.pause("hold everything", world.now);
    const start = world.now;
    const held = world.submit(2, 1, { expiresAt: start + 45_000 });
    expect(world.engine.tick(start).wakeAt).toBeLessThanOrEqual(start + 45_000);
    world.run(start + 600_000, drained(world));
    expect(world.now).toBe(start + 45_000);
    expect(world.engine.job(null, held)).toMatchObject({ status: "completed", expired: 2 });
  });
});

describe('onUnknown: "fail" (at-most-once)', () => {
  for (const [name, answer] of [
    ["a U answer", answered("U", "UNKNOWN_EXCEPTION", "unknown")],
    ["a timeout", transport("timeout")],
    ["a lost send", "lost"],
  ] as const) {
    it(`${name} ends the request's notifications failed with its code, never resent`, () => {
      const world = new World(testSettings(), () => answer);
      const jobId = world.submit(8, 100, { onUnknown: "fail" });
      world.run(T0 + 3_600_000, drained(world));
      expect(world.departures).toHaveLength(8);
      const job = world.engine.job(null, jobId);
      expect(job).toMatchObject({ status: "completed", failed: 800, onUnknown: "fail" });
      const code =
        answer === "lost" ? "LOST_IN_FLIGHT" : answer.outcome.kind === "timeout" ? "TIMEOUT" : "UNKNOWN_EXCEPTION";
      expect(new Set(job?.failures.map((f) => f.resultCode))).toEqual(new Set([code]));
    });
  }

  it("the default (retry) resends the same answers, and a traffic refusal is resent under fail too", () => {
    const retrying = new World(testSettings({ retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 100 } }), () =>
      answered("U", "UNKNOWN_EXCEPTION", "unknown"),
    );
    retrying.submit(1, 1);
    retrying.run(T0 + 600_000, drained(retrying));
    expect(retrying.departures).toHaveLength(3);

    const refused = new World(testSettings(), (_t, n) =>
      n === 0 ? answered("F", "REQUEST_TRAFFIC_EXCEED_LIMIT", "traffic") : SUCCESS,
    );
    const jobId = refused.submit(1, 1, { onUnknown: "fail" });
    refused.run(T0 + 600_000, drained(refused));
    expect(refused.departures).toHaveLength(2);
    expect(refused.engine.job(null, jobId)).toMatchObject({ succeeded: 1 });
  });
});
