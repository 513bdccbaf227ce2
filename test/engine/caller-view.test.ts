/**
 * What one caller may hold and see of what all callers share: at most RELAY_MAX_WAITS_PER_CALLER open
 * `Prefer: wait` waits (beyond, the wait answers at once and says so), and a `/v1/status` of its own —
 * its backlog, its requests on the wire and their results, its entry and jobs, the hold's reason but
 * not who paused — while an admin sees everything.
 */
import { describe, expect, it } from "vitest";
import { T0, World, testSettings } from "./harness";

const A = "caller:shop-a";
const B = "caller:shop-b";

describe("RELAY_MAX_WAITS_PER_CALLER", () => {
  it("a caller's waits beyond the cap answer at once, marked refused; another caller's are not; a wait that ends frees its place", async () => {
    const world = new World(testSettings({ maxWaitsPerCaller: 2 }));
    world.engine.pause("hold everything", world.now);
    const jobA = world.submit(1, 1, { owner: A });
    const jobB = world.submit(1, 1, { owner: B });
    const first = world.engine.waitFor(A, jobA, 60_000, A);
    const second = world.engine.waitFor(A, jobA, 60_000, A);
    // The third comes back at once, with the job as it stands.
    await expect(world.engine.waitFor(A, jobA, 60_000, A)).resolves.toMatchObject({
      refused: true,
      job: { jobId: jobA, status: "queued" },
    });
    // An admin reading A's job waits as itself, not as A.
    const admin = world.engine.waitFor(null, jobA, 60_000, "caller:ops");
    const other = world.engine.waitFor(B, jobB, 60_000, B);
    world.engine.resume();
    world.run(
      T0 + 10_000,
      () =>
        world.engine.job(null, jobA)?.status === "completed" && world.engine.job(null, jobB)?.status === "completed",
    );
    for (const wait of [first, second, admin])
      await expect(wait).resolves.toMatchObject({ refused: false, job: { jobId: jobA, status: "completed" } });
    await expect(other).resolves.toMatchObject({ refused: false, job: { status: "completed" } });
    // Its waits ended: A may wait again (a completed job answers at once, not refused).
    const jobA2 = world.submit(1, 1, { owner: A, sendAfter: world.now + 60_000 });
    const again = world.engine.waitFor(A, jobA2, 1, A);
    await expect(again).resolves.toMatchObject({ refused: false });
  });
});

describe("/v1/status for a caller", () => {
  it("shows its own backlog, requests and results, its entry, and the hold without who paused; an admin sees everyone's", () => {
    // One request a second: the first carries B's 10 alone, the second A's first 100 (A's work falls due then).
    const world = new World(testSettings({ pacer: { maxRps: 1, guardMs: 20 } }));
    const BJOB = "job_bbbbbbbbbbbbbbbbbbbbbb";
    world.submit(1, 10, { owner: B });
    world.submit(3, 100, { owner: A, sendAfter: T0 + 1_000 });
    world.submit(1, 5, { owner: B, jobId: BJOB, sendAfter: T0 + 3_600_000 });
    world.run(T0 + 1_500);
    expect(world.departures.map((d) => d.openIds.length)).toEqual([10, 100]);
    world.engine.pause("maintenance", world.now, "caller:ops");

    const admin = world.engine.status(null, world.now);
    const a = world.engine.status(A, world.now);
    expect(admin.callers.map((c) => c.caller)).toEqual([A, B]);
    expect(a.callers.map((c) => c.caller)).toEqual([A]);
    expect(admin.hold).toMatchObject({ kind: "paused", reason: "maintenance", by: "caller:ops" });
    expect(a.hold).toMatchObject({ kind: "paused", reason: "maintenance", by: null });
    // A's backlog only: its 300, less what left.
    const aQueued = world.engine.job(
      null,
      world.rows<{ job_id: string }>("SELECT job_id FROM jobs WHERE owner = ?", A)[0]!.job_id,
    )!.pending;
    expect(a.backlog.notifications).toBe(aQueued);
    expect(admin.backlog.notifications).toBe(aQueued + 5);
    expect(a.recentJobs).toHaveLength(1);
    expect(admin.recentJobs).toHaveLength(3);
    // Results: every request's for the admin; for A, the one request that carried its notifications.
    expect(admin.results).toEqual({ SUCCESS: 2 });
    expect(a.results).toEqual({ SUCCESS: 1 });
    expect(a.sendsPerSecond.reduce((n, s) => n + s.sends, 0)).toBe(1);
    // B sees none of A's.
    const b = world.engine.status(B, world.now);
    expect(b.callers.map((c) => c.caller)).toEqual([B]);
    expect(b.backlog).toMatchObject({ notifications: 5, queued: 5, due: 0, delayed: 5 });
    expect(b.results).toEqual({ SUCCESS: 1 });
  });

  it("a caller's in-flight figure counts only the requests that carry its notifications", () => {
    const world = new World(testSettings(), () => "lost");
    world.submit(2, 100, { owner: A });
    world.run(T0 + 100);
    expect(world.engine.status(null, world.now).inFlight).toBe(2);
    expect(world.engine.status(A, world.now)).toMatchObject({
      inFlight: 2,
      backlog: { notifications: 200, queued: 0 },
    });
    expect(world.engine.status(B, world.now)).toMatchObject({
      inFlight: 0,
      backlog: { notifications: 0 },
      results: {},
      sendsPerSecond: [],
    });
  });
});
