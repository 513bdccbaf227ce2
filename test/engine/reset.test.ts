import { describe, expect, it } from "vitest";
import { SUCCESS, T0, World, answered, seededRandom, testSettings, transport } from "./harness";

describe("a reset between any two steps", () => {
  for (const dropReports of [false, true]) {
    it(`keeps the pace across restarts and settles every notification exactly once (${dropReports ? "in-flight senders lost" : "reports reach the new instance"})`, () => {
      const random = seededRandom(7);
      const world = new World(
        testSettings({
          pacer: { maxRps: 20, guardMs: 20 },
          retry: { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 2000 },
        }),
        (_t, n) =>
          n % 13 === 4
            ? answered("U", "UNKNOWN_EXCEPTION", "unknown")
            : n % 17 === 6
              ? transport("timeout", 400)
              : SUCCESS,
      );
      // Many small jobs and a larger one: requests carry several jobs' notifications.
      const jobs = [world.submit(60, 100), ...Array.from({ length: 400 }, () => world.submit(1, 1))];
      let restarts = 0;
      world.run(
        T0 + 3_600_000,
        () => world.engine.status(null, world.now).backlog.notifications === 0,
        () => {
          if (random() < 0.15) {
            world.restart({ dropReports });
            restarts++;
          }
        },
      );
      expect(restarts).toBeGreaterThan(10);
      // The window counts sends from before each restart too: never more than the quota in any second.
      expect(world.maxInWindow(1000)).toBeLessThanOrEqual(20);
      for (const jobId of jobs) {
        const job = world.engine.job(null, jobId);
        expect(job?.status).toBe("completed");
        expect((job?.succeeded ?? 0) + (job?.failed ?? 0)).toBe(job?.total);
      }
      // Attempts counted: every departure that carried a notification is one attempt of it.
      const attempts = world.attemptsByOpenId();
      const carried = world.departuresByOpenId();
      expect(attempts.size).toBe(6_400);
      for (const [openId, n] of attempts) expect(carried.get(openId) ?? [], openId).toHaveLength(n);
      // No resend after a success was recorded: a recorded success is always a notification's last departure.
      const successes = new Set(
        world.logs.filter((l) => l.event === "attempt" && l.resultCode === "SUCCESS").map((l) => l.reqMsgId),
      );
      expect(successes.size).toBeGreaterThan(0);
      for (const sent of carried.values()) {
        const succeededAt = sent.findIndex((id) => successes.has(id));
        if (succeededAt >= 0) expect(succeededAt).toBe(sent.length - 1);
      }
    });
  }

  it("a restarted engine rebuilds the send window from the outbox: a full window just before the restart holds the next send", () => {
    const world = new World(testSettings({ pacer: { maxRps: 10, guardMs: 20 } }), () => ({ ...SUCCESS, afterMs: 5 }));
    world.submit(10);
    world.run(T0 + 990, () => world.departures.length === 10);
    const lastOfFirst = world.departures.at(-1)?.at ?? 0;
    world.restart();
    world.submit(5);
    world.run(T0 + 60_000, () => world.departures.length === 15);
    const firstAfter = world.departures[10]?.at ?? 0;
    expect(firstAfter - (world.departures[0]?.at ?? 0)).toBeGreaterThanOrEqual(1020);
    expect(firstAfter).toBeGreaterThan(lastOfFirst);
    expect(world.maxInWindow(1000)).toBeLessThanOrEqual(10);
  });
});
