/**
 * Requests assembled at the slot, fair between callers and jobs: the pure shares, then the engine on a
 * fake clock — random jobs, sizes, callers, weights, merchants, answers and restarts — checked against
 * what must hold: every notification ends exactly once, no request holds more than 100 or two
 * merchantIds, each caller's places follow its weighted fair share within one, full requests under a
 * backlog, and nothing resent after a recorded success.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SendTask } from "../../src/engine/api";
import { fairShares, jobPlaces, wholePlaces } from "../../src/engine/decide/fair-share";
import { type Answer, SUCCESS, T0, World, answered, seededRandom, testSettings, transport } from "./harness";

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe("the shares of one request (pure)", () => {
  const claims = fc.array(fc.record({ due: fc.nat(400), weight: fc.integer({ min: 1, max: 5 }) }), {
    minLength: 1,
    maxLength: 8,
  });

  it("weighted max-min: nobody above its due, all places used while work is due, the rest by weight", () => {
    fc.assert(
      fc.property(claims, fc.integer({ min: 1, max: 100 }), (cs, places) => {
        const shares = fairShares(cs, places);
        expect(sum(shares)).toBeCloseTo(Math.min(places, sum(cs.map((c) => c.due))), 6);
        for (const [i, c] of cs.entries()) expect(shares[i]).toBeLessThanOrEqual(c.due + 1e-9);
        // Whoever got less than its due got at least as much per unit of weight as anyone.
        const level = Math.max(...cs.map((c, i) => (shares[i] as number) / c.weight));
        cs.forEach((c, i) => {
          if ((shares[i] as number) < c.due - 1e-9) expect((shares[i] as number) / c.weight).toBeCloseTo(level, 6);
        });
      }),
    );
  });

  it("whole places are each share rounded down or up, add up, and rounding goes to who is owed most", () => {
    fc.assert(
      fc.property(claims, fc.integer({ min: 1, max: 100 }), (cs, places) => {
        const shares = fairShares(cs, places);
        const whole = wholePlaces(
          shares,
          cs.map((c) => c.due),
        );
        expect(sum(whole)).toBe(Math.min(places, sum(cs.map((c) => c.due))));
        whole.forEach((w, i) => {
          expect(Math.abs(w - (shares[i] as number))).toBeLessThan(1);
          expect(w).toBeLessThanOrEqual(cs[i]?.due ?? 0);
        });
      }),
    );
    // Three equal callers, 100 places: the extra place goes to whoever is owed most.
    expect(wholePlaces([100 / 3, 100 / 3, 100 / 3], [500, 500, 500], [0, 0.7, 0.2])).toEqual([33, 34, 33]);
  });

  it("between one caller's jobs: small ones whole in the next request, big ones in turn, whole", () => {
    // A bulk job and 20 single-notification jobs: every single gets its place.
    expect(jobPlaces([20_000, ...Array(20).fill(1)], 100)).toEqual([80, ...Array(20).fill(1)]);
    // Two bulk jobs take turns with what is left, instead of splitting every request.
    expect(jobPlaces([5_000, 5_000, 3], 100)).toEqual([97, 0, 3]);
    // More jobs than places: one each for the first in rotation.
    expect(jobPlaces(Array(150).fill(2), 100)).toEqual([...Array(100).fill(1), ...Array(50).fill(0)]);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 100 }),
        (dues, places) => {
          const takes = jobPlaces(dues, places);
          expect(sum(takes)).toBe(Math.min(places, sum(dues)));
          for (const [i, t] of takes.entries()) expect(t).toBeLessThanOrEqual(dues[i] as number);
        },
      ),
    );
  });
});

/** One random world: jobs from several callers and merchants arriving over time, answers and restarts. */
interface Scenario {
  maxRps: number;
  weights: number[];
  merchants: number;
  jobs: { caller: number; merchant: number; size: number; at: number; atMostOnce: boolean; later: number }[];
  seed: number;
  restartChance: number;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  maxRps: fc.integer({ min: 10, max: 50 }),
  weights: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
  merchants: fc.integer({ min: 1, max: 2 }),
  jobs: fc.array(
    fc.record({
      caller: fc.nat(3),
      merchant: fc.nat(1),
      size: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 300 })),
      at: fc.integer({ min: 0, max: 4_000 }),
      atMostOnce: fc.boolean().map((b) => b && Math.random() < 0.2),
      later: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 2_000 })),
    }),
    { minLength: 1, maxLength: 20 },
  ),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  restartChance: fc.constantFrom(0, 0.03),
});

/** Runs a scenario, checking each tick's requests as they are handed out; returns the world. */
function play(s: Scenario) {
  const owners = s.weights.map((_, i) => `key:caller-${i}`);
  const callerWeights = Object.fromEntries(owners.map((o, i) => [o, s.weights[i] ?? 1]));
  const random = seededRandom(s.seed);
  const answer = (): Answer => {
    const r = random();
    if (r < 0.8) return SUCCESS;
    if (r < 0.85) return answered("U", "UNKNOWN_EXCEPTION", "unknown");
    if (r < 0.88) return transport("timeout", 300);
    if (r < 0.9) return "lost";
    if (r < 0.95) return answered("F", "PROCESS_FAIL", "final");
    return answered("F", "REQUEST_TRAFFIC_EXCEED_LIMIT", "traffic");
  };
  const world = new World(
    testSettings({
      pacer: { maxRps: s.maxRps, guardMs: 20 },
      callerWeights,
      retry: { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 1_000 },
    }),
    () => answer(),
  );
  const ownerOfJob = new Map<string, string>();
  const problems: string[] = [];
  let full = 0;
  let checked = 0;
  const instrument = () => {
    const tick = world.engine.tick.bind(world.engine);
    world.engine.tick = (now: number) => {
      // What is due per caller (and merchant) just before the tick: each request's places must follow it.
      refreshMerchantDue(now);
      const due = new Map(world.engine.status(null, now).callers.map((c) => [c.caller, c.due]));
      const result = tick(now);
      for (const task of result.tasks) checkRequest(task, due);
      return result;
    };
  };
  const checkRequest = (task: SendTask, due: Map<string, number>) => {
    const openIds = (JSON.parse(task.notificationInfos) as { openId: string }[]).map((e) => e.openId);
    if (openIds.length > 100) problems.push(`request of ${openIds.length}`);
    const took = new Map<string, number>();
    const merchants = new Set<string>();
    for (const openId of openIds) {
      const jobId = openId.slice(0, openId.indexOf("-"));
      const owner = ownerOfJob.get(jobId) ?? "?";
      took.set(owner, (took.get(owner) ?? 0) + 1);
      merchants.add(`${world.engine.job(null, jobId)?.merchantId}`);
    }
    if (merchants.size !== 1 || [...merchants][0] !== task.merchantId)
      problems.push(`merchants ${[...merchants].join(",")} on ${task.merchantId}`);
    // The callers with work due for this request's merchant, and their weighted fair shares.
    const callers = owners.filter((o) => (due.get(o) ?? 0) > 0 && merchantDue(o, task.merchantId) > 0);
    const dues = callers.map((o) => Math.min(due.get(o) ?? 0, merchantDue(o, task.merchantId)));
    const shares = fairShares(
      callers.map((o, i) => ({ due: dues[i] as number, weight: callerWeights[o] ?? 1 })),
      100,
    );
    if (sum(dues) >= 100) {
      full += 1;
      if (openIds.length !== 100) problems.push(`a request of ${openIds.length} with ${sum(dues)} due`);
    }
    callers.forEach((o, i) => {
      const got = took.get(o) ?? 0;
      if (Math.abs(got - (shares[i] as number)) >= 1 + 1e-9)
        problems.push(`${o} got ${got} for a share of ${shares[i]}`);
      due.set(o, (due.get(o) ?? 0) - got);
    });
    for (const [o, got] of took) dueByMerchant.set(`${o}|${task.merchantId}`, merchantDue(o, task.merchantId) - got);
    checked += 1;
  };
  // Per caller and merchant, what is due: tracked from the outbox's own view before each tick.
  const dueByMerchant = new Map<string, number>();
  const merchantDue = (owner: string, merchantId: string) => dueByMerchant.get(`${owner}|${merchantId}`) ?? 0;
  const refreshMerchantDue = (now: number) => {
    dueByMerchant.clear();
    const rows = world.rows<{ owner: string; merchant_id: string; n: number }>(
      `SELECT j.owner, j.merchant_id, SUM(r.count) AS n FROM runs r JOIN jobs j USING (job_id)
       WHERE r.state = 'queued' AND r.next_at <= ? GROUP BY j.owner, j.merchant_id`,
      now,
    );
    for (const row of rows) dueByMerchant.set(`${row.owner}|${row.merchant_id}`, row.n);
  };
  instrument();
  const arrivals = [...s.jobs].sort((a, b) => a.at - b.at);
  const jobIds: string[] = [];
  const drained = () => world.engine.status(null, world.now).backlog.notifications === 0;
  const step = () => {
    if (s.restartChance > 0 && random() < s.restartChance) {
      world.restart({ dropReports: random() < 0.5 });
      instrument();
    }
  };
  for (const job of arrivals) {
    world.run(T0 + job.at, () => false, step);
    const owner = owners[job.caller % owners.length] as string;
    const id = world.submit(1, job.size, {
      owner,
      merchantId: `21604000000001${70 + (job.merchant % s.merchants)}`,
      ...(job.atMostOnce ? { onUnknown: "fail" as const } : {}),
      ...(job.later > 0 ? { sendAfter: world.now + job.later } : {}),
    });
    ownerOfJob.set(id, owner);
    jobIds.push(id);
  }
  world.run(T0 + 3_600_000, drained, step);
  return { world, jobIds, problems, full, checked, total: sum(s.jobs.map((j) => j.size)) };
}

describe("requests assembled at the slot (engine, fake clock)", () => {
  it("hold every invariant through random jobs, callers, weights, merchants, answers and restarts", () => {
    let fullRequests = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const { world, jobIds, problems, full, checked, total } = play(s);
        expect(problems).toEqual([]);
        expect(checked).toBeGreaterThan(0);
        fullRequests += full;
        // Every notification ended exactly once; the jobs' sums add up.
        let ended = 0;
        for (const jobId of jobIds) {
          const job = world.engine.job(null, jobId);
          expect(job?.status).toBe("completed");
          const sumOfEnds =
            (job?.succeeded ?? 0) +
            (job?.failed ?? 0) +
            (job?.cancelled ?? 0) +
            (job?.expired ?? 0) +
            (job?.deduplicated ?? 0);
          expect(sumOfEnds).toBe(job?.total);
          ended += sumOfEnds;
        }
        expect(ended).toBe(total);
        expect(world.rows("SELECT run_id FROM runs WHERE state IN ('queued', 'leased', 'staged')")).toEqual([]);
        // Each notification's departures are its counted attempts; none after a recorded success.
        const attempts = world.attemptsByOpenId();
        const carried = world.departuresByOpenId();
        const successes = new Set(
          world.logs.filter((l) => l.event === "attempt" && l.resultCode === "SUCCESS").map((l) => l.reqMsgId),
        );
        for (const [openId, n] of attempts) {
          const sent = carried.get(openId) ?? [];
          expect(sent, openId).toHaveLength(n);
          const at = sent.findIndex((id) => successes.has(id));
          if (at >= 0) expect(at, openId).toBe(sent.length - 1);
        }
        expect(world.maxInWindow(1000)).toBeLessThanOrEqual(s.maxRps);
      }),
      { numRuns: 30, seed: 20261204, endOnFailure: true },
    );
    // The scenarios did build backlogs: some requests were assembled with 100 or more due.
    expect(fullRequests).toBeGreaterThan(0);
    // Thirty simulated worlds take a few seconds alone; the bound leaves room for a busy two-core machine.
  }, 120_000);

  it("a notification that arrives to an empty queue leaves in the next free slot, alone, at once", () => {
    const world = new World(testSettings({ pacer: { maxRps: 20, guardMs: 20 }, handoverMs: 10 }));
    world.submit(1, 1);
    const { tasks } = world.engine.tick(world.now);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.size).toBe(1);
    expect(tasks[0]?.notBefore).toBe(world.now);
  });

  it("a job of one notification rides in the next request while a bulk job drains", () => {
    const world = new World(testSettings({ pacer: { maxRps: 20, guardMs: 20 } }));
    world.submit(200, 100); // 20,000 notifications
    world.run(T0 + 1_000);
    const single = world.submit(1, 1);
    const submitted = world.now;
    world.run(T0 + 60_000, () => world.engine.job(null, single)?.status === "completed");
    const carried = world.departures.find((d) => d.openIds.includes(`${single}-0-0`));
    expect(carried).toBeDefined();
    // The next slot is at most one pacing interval (1020 / 20 ms) away, plus the answer's 200 ms.
    expect((carried?.at ?? Number.POSITIVE_INFINITY) - submitted).toBeLessThanOrEqual(1020 / 20 + 1);
    expect(carried?.openIds).toHaveLength(100);
  });

  it("two callers with work share each request by weight; a caller's unused share goes to the other", () => {
    const world = new World(
      testSettings({ pacer: { maxRps: 50, guardMs: 20 }, callerWeights: { "key:a": 3, "key:b": 1 } }),
    );
    world.submit(100, 100, { owner: "key:a" });
    world.submit(100, 100, { owner: "key:b" });
    world.submit(1, 10, { owner: "key:c" });
    const { tasks } = world.engine.tick(world.now);
    const byOwner = (task: SendTask) => {
      const counts: Record<string, number> = {};
      for (const e of JSON.parse(task.notificationInfos) as { openId: string }[]) {
        const owner = e.openId.startsWith("job_0000000000000000000001")
          ? "a"
          : e.openId.startsWith("job_0000000000000000000002")
            ? "b"
            : "c";
        counts[owner] = (counts[owner] ?? 0) + 1;
      }
      return counts;
    };
    // c has 10 due, less than its third: it takes them all; a and b share the other 90 three to one
    // (67.5 and 22.5: one of them gets the half place).
    const first = byOwner(tasks[0] as SendTask);
    expect(first.c).toBe(10);
    expect(Math.abs((first.a ?? 0) - 67.5)).toBeLessThan(1);
    expect((first.a ?? 0) + (first.b ?? 0)).toBe(90);
    // c is done (all on the wire); the status shows the other two with their weights and shares.
    const callers = world.engine.status(null, world.now).callers;
    expect(callers.map((c) => [c.caller, c.weight, c.share])).toEqual([
      ["key:a", 3, 0.75],
      ["key:b", 1, 0.25],
    ]);
  });
});
