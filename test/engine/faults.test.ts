import { describe, expect, it } from "vitest";
import { type Answer, SUCCESS, T0, World, answered, testSettings, transport } from "./harness";

type RunsRow = {
  state: string;
  notifications: number;
  attempts: number;
  budget_spent: number;
  result_code: string | null;
};
/** The outbox's notifications, grouped by how they stand. */
const runs = (world: World) =>
  world.rows<RunsRow>(
    `SELECT state, SUM(count) AS notifications, attempts, budget_spent, result_code FROM runs
     GROUP BY state, attempts, budget_spent, result_code ORDER BY state, attempts`,
  );
const drained = (world: World) => () => world.engine.status(null, world.now).backlog.notifications === 0;

describe("REQUEST_TRAFFIC_EXCEED_LIMIT", () => {
  it("lowers the pace, resends the refused notifications first, and spends none of their budget", () => {
    // The gateway's real quota is 10 per second against 20 configured.
    const arrivals: number[] = [];
    const world = new World(testSettings({ pacer: { maxRps: 20, guardMs: 20 } }), (_task, _n, at) => {
      const recent = arrivals.filter((t) => t > at - 1000);
      if (recent.length >= 10) return answered("F", "REQUEST_TRAFFIC_EXCEED_LIMIT", "traffic");
      arrivals.push(at);
      return SUCCESS;
    });
    world.submit(200, 100);
    world.run(T0 + 600_000, drained(world));
    const rows = runs(world);
    expect(rows.every((r) => r.state === "succeeded")).toBe(true);
    expect(rows.every((r) => r.budget_spent === 1)).toBe(true);
    expect(rows.reduce((n, r) => n + r.notifications, 0)).toBe(20_000);
    const exceeded = world.departures.length - 200;
    expect(exceeded).toBeGreaterThan(0);
    expect(exceeded / world.departures.length).toBeLessThan(0.1);
    expect(world.engine.status(null, world.now).pace.liveRps).toBeLessThan(20);
  });
});

describe("HTTP 429 from the gateway (or a proxy in front of it)", () => {
  it("is a traffic refusal: no request leaves before its Retry-After, no budget is spent, the breaker stays closed", () => {
    const tooMany: Answer = {
      outcome: { kind: "http-error", resultClass: "traffic", httpStatus: 429, detail: "HTTP 429", retryAfterMs: 2_000 },
      afterMs: 50,
    };
    const world = new World(testSettings({ pacer: { maxRps: 20, guardMs: 20 } }), (_task, n) =>
      n === 0 ? tooMany : SUCCESS,
    );
    world.submit(5, 100);
    world.run(T0 + 600_000, drained(world));
    const [refused, ...rest] = world.departures;
    // Nothing left between the refusal's answer and its Retry-After.
    const answeredAt = (refused?.at ?? 0) + 50;
    expect(rest.every((d) => d.at >= answeredAt + 2_000)).toBe(true);
    expect(world.sentOpenIds).toHaveLength(600);
    // The refused 100 were sent twice, spending one attempt of budget; the breaker never opened.
    expect(runs(world)).toEqual([
      { state: "succeeded", notifications: 400, attempts: 1, budget_spent: 1, result_code: "SUCCESS" },
      { state: "succeeded", notifications: 100, attempts: 2, budget_spent: 1, result_code: "SUCCESS" },
    ]);
    expect(world.logs.some((l) => String(l.event).startsWith("breaker_"))).toBe(false);
    expect(world.engine.status(null, world.now).results).toMatchObject({ HTTP_429: 1, SUCCESS: 5 });
  });
});

describe("unknown outcomes", () => {
  it("a U answer is retried with a fresh reqMsgId, spending budget, until its notifications fail after RELAY_MAX_ATTEMPTS", () => {
    const world = new World(testSettings({ retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 } }), () =>
      answered("U", "UNKNOWN_EXCEPTION", "unknown"),
    );
    world.submit(1, 5);
    world.run(T0 + 600_000, drained(world));
    expect(runs(world)).toEqual([
      { state: "failed", notifications: 5, attempts: 3, budget_spent: 3, result_code: "UNKNOWN_EXCEPTION" },
    ]);
    expect(new Set(world.departures.map((d) => d.reqMsgId)).size).toBe(3);
    const gaps = world.departures.slice(1).map((d, i) => d.at - (world.departures[i]?.at ?? 0));
    // Equal jitter: at least half of 1 s, then of 2 s, after the 200 ms answer.
    expect(gaps[0]).toBeGreaterThanOrEqual(700);
    expect(gaps[1]).toBeGreaterThanOrEqual(1200);
  });

  it("a sender that never reports: the lease runs out, LOST_IN_FLIGHT is recorded and the request's notifications are resent, counted", () => {
    const world = new World(testSettings(), (_task, n) => (n === 0 ? "lost" : SUCCESS));
    world.submit(1, 5);
    world.run(T0 + 120_000, drained(world));
    expect(runs(world)).toEqual([
      { state: "succeeded", notifications: 5, attempts: 2, budget_spent: 2, result_code: "SUCCESS" },
    ]);
    const lost = world.logs.find((l) => l.event === "attempt" && l.resultCode === "LOST_IN_FLIGHT");
    expect(lost).toBeDefined();
    // Not before the lease: send timeout 10 s + 5 s grace.
    expect((world.departures[1]?.at ?? 0) - (world.departures[0]?.at ?? 0)).toBeGreaterThan(15_000);
  });

  it("a late SUCCESS for the lost request, arriving while its notifications wait for their resend, ends them: no resend", () => {
    const world = new World(
      testSettings({ retry: { maxAttempts: 5, baseDelayMs: 30_000, maxDelayMs: 60_000 } }),
      (_task, n) => (n === 0 ? { ...SUCCESS, afterMs: 16_000 } : SUCCESS),
    );
    world.submit(1, 5);
    world.run(T0 + 300_000, drained(world));
    expect(world.departures).toHaveLength(1);
    expect(runs(world)).toEqual([
      { state: "succeeded", notifications: 5, attempts: 1, budget_spent: 2, result_code: "SUCCESS" },
    ]);
    expect(world.logs.some((l) => l.event === "late_report")).toBe(true);
  });

  it("after a success is recorded, a stale report for an older attempt changes nothing", () => {
    const world = new World(testSettings(), (_task, n) => (n === 0 ? transport("timeout", 100) : SUCCESS));
    world.submit(1, 5);
    world.run(T0 + 60_000, drained(world));
    const first = world.departures[0];
    if (!first) throw new Error("no departure");
    world.engine.report(
      {
        requestId: first.requestId,
        reqMsgId: first.reqMsgId,
        outcome: {
          kind: "answered",
          resultClass: "final",
          reqMsgId: first.reqMsgId,
          reqTime: "",
          latencyMs: 1,
          verified: true,
          resultInfo: { resultStatus: "F", resultCodeId: "00000019", resultCode: "PROCESS_FAIL", resultMsg: "" },
        },
      },
      world.now,
    );
    expect(runs(world)).toMatchObject([{ state: "succeeded", notifications: 5 }]);
    expect(
      world.engine.job(null, world.rows<{ job_id: string }>("SELECT job_id FROM jobs")[0]?.job_id ?? "")?.succeeded,
    ).toBe(5);
  });

  it("a final F fails the request's notifications at once and keeps only their openIds for `failures`", () => {
    const world = new World(testSettings(), () => answered("F", "PROCESS_FAIL", "final"));
    const jobId = world.submit(2, 3);
    world.run(T0 + 60_000, drained(world));
    const job = world.engine.job(null, jobId);
    expect(job).toMatchObject({ status: "completed", total: 6, succeeded: 0, failed: 6, pending: 0 });
    expect(job?.failures.map((f) => f.openId)).toEqual([
      `${jobId}-0-0`,
      `${jobId}-0-1`,
      `${jobId}-0-2`,
      `${jobId}-1-0`,
      `${jobId}-1-1`,
      `${jobId}-1-2`,
    ]);
    expect(world.rows("SELECT payload_id FROM payloads")).toEqual([]);
  });
});

describe("accounting", () => {
  it("every notification ends succeeded or failed, with succeeded + failed = total, through a mix of faults", () => {
    const world = new World(
      testSettings({ retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2000 } }),
      (_task, n) => {
        const pick = n % 11;
        if (pick === 3) return transport("timeout", 300);
        if (pick === 5) return answered("U", "UNKNOWN_EXCEPTION", "unknown");
        if (pick === 7) return "lost";
        if (pick === 9) return answered("F", "PROCESS_FAIL", "final");
        return SUCCESS;
      },
    );
    const jobs = [world.submit(40, 100), world.submit(33, 7), world.submit(1, 1)];
    world.run(T0 + 3_600_000, drained(world));
    for (const jobId of jobs) {
      const job = world.engine.job(null, jobId);
      expect(job?.status).toBe("completed");
      expect((job?.succeeded ?? 0) + (job?.failed ?? 0)).toBe(job?.total);
      expect(job?.failures).toHaveLength(job?.failed ?? -1);
    }
    expect(world.maxInWindow(1000)).toBeLessThanOrEqual(50);
  });
});
