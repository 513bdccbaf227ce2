/**
 * Completion callbacks are capped: at most RELAY_MAX_CALLBACKS_IN_FLIGHT tries on the wire at once (on
 * Workers the Durable Object sends them itself, sharing its 6 connections with its hand-overs), at most
 * RELAY_MAX_CALLBACKS_IN_FLIGHT_PER_CALLER for one caller (whose dead receiver then holds back nobody
 * else), at most RELAY_MAX_PENDING_CALLBACKS undelivered per caller (its new requests with a callbackUrl
 * are refused meanwhile), and a job that sent nothing retries its callback for 10 minutes, not 24 hours.
 */
import { describe, expect, it } from "vitest";
import { packKeyedBatches } from "../../src/core/batch";
import type { CallbackTask } from "../../src/engine/api";
import {
  CALLBACK_LEASE_MS,
  CALLBACK_UNSENT_WINDOW_MS,
  CALLBACK_WINDOW_MS,
} from "../../src/engine/decide/callback-policy";
import { T0, World, testSettings } from "./harness";

const URL_A = "https://a.example/done";
const URL_B = "https://b.example/done";
const A = "caller:shop-a";
const B = "caller:shop-b";

/** A job of one notification whose key was used before: it completes at once, without a send. */
function deduplicatedJob(world: World, owner: string, url: string, key: string): string {
  const batches = () => packKeyedBatches([{ openId: `u-${key}`, templateCode: "T", templateValue: "{}" }], [key]);
  world.submit(0, 0, { owner, batches: batches() });
  return world.submit(0, 0, { owner, batches: batches(), callbackUrl: url });
}

/** The most tries on the wire at once (each out from its hand-out to its answer, or to its lease's end when none comes). */
function mostAtOnce(
  world: World,
  answered: (task: CallbackTask) => boolean,
  filter: (task: CallbackTask) => boolean = () => true,
): number {
  const edges: [number, number][] = [];
  for (const { at, task } of world.callbacks.filter((c) => filter(c.task))) {
    edges.push([at, 1], [at + (answered(task) ? 50 : CALLBACK_LEASE_MS), -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let out = 0;
  let most = 0;
  for (const [, delta] of edges) most = Math.max(most, (out += delta));
  return most;
}

const limits = { inFlight: 4, perCallerInFlight: 2, pendingPerCaller: 1000 };

describe("callbacks on the wire at once", () => {
  it("40 jobs that completed without a send to a receiver that never answers: at most 4 tries out at once", () => {
    const world = new World(testSettings({ callbacks: limits }));
    world.receiver = () => "lost";
    for (let i = 0; i < 40; i++) deduplicatedJob(world, `key:${i % 10}`, URL_A, `k${i}`);
    world.run(T0 + 120_000);
    expect(mostAtOnce(world, () => false)).toBe(4);
    // Four every lease (15 s): 2 minutes hold 8 or 9 rounds, never 40 at once.
    expect(world.callbacks.length).toBeLessThanOrEqual(4 * Math.ceil(120_000 / CALLBACK_LEASE_MS) + 4);
    expect(world.callbacks.length).toBeGreaterThanOrEqual(4 * Math.floor(120_000 / CALLBACK_LEASE_MS));
  });

  it("one caller's dead receiver takes at most its own cap: another caller's callbacks go at once", () => {
    const world = new World(testSettings({ callbacks: limits }));
    world.receiver = (task) => (task.url === URL_A ? "lost" : true);
    for (let i = 0; i < 20; i++) deduplicatedJob(world, A, URL_A, `a${i}`);
    world.run(T0 + 1_000);
    const b1 = deduplicatedJob(world, B, URL_B, "b1");
    const b2 = deduplicatedJob(world, B, URL_B, "b2");
    const submittedAt = world.now;
    world.run(T0 + 60_000);
    expect(
      mostAtOnce(
        world,
        (t) => t.url !== URL_A,
        (t) => t.owner === A,
      ),
    ).toBe(2);
    const bTries = world.callbacks.filter((c) => c.task.owner === B);
    expect(bTries.map((c) => c.task.jobId).sort()).toEqual([b1, b2].sort());
    // Not behind A's 20: handed out on the first tick after they completed.
    expect(Math.max(...bTries.map((c) => c.at))).toBe(submittedAt);
    expect(world.engine.job(null, b1)?.callback).toMatchObject({ status: "delivered" });
  });
});

describe("RELAY_MAX_PENDING_CALLBACKS", () => {
  it("at the limit a caller's new requests with a callbackUrl are refused with a Retry-After; without one, or from another caller, accepted", () => {
    const world = new World(testSettings({ callbacks: { ...limits, pendingPerCaller: 5 } }));
    let receiverUp = false;
    world.receiver = () => receiverUp;
    for (let i = 0; i < 5; i++) world.submit(1, 1, { owner: A, callbackUrl: URL_A });
    world.run(T0 + 10_000);
    const refusal = world.engine.submit(world.request(1, 1, { owner: A, callbackUrl: URL_A }), world.now);
    expect(refusal).toMatchObject({ kind: "callbacks-pending", pending: 5, limit: 5 });
    const retryAfter = (refusal as { retryAfterSeconds: number }).retryAfterSeconds;
    // The earliest next try of its pending callbacks (the second try: 2.5 to 5 s after the first).
    const nextTry = Math.min(
      ...world
        .rows<{ at: number }>("SELECT callback_next_at AS at FROM jobs WHERE callback_status = 'pending'")
        .map((r) => r.at),
    );
    expect(retryAfter).toBe(Math.max(1, Math.ceil((nextTry - world.now) / 1000)));
    expect(world.engine.submit(world.request(1, 1, { owner: A }), world.now).kind).toBe("created");
    expect(world.engine.submit(world.request(1, 1, { owner: B, callbackUrl: URL_B }), world.now).kind).toBe("created");
    // The receiver comes back: once the callbacks are delivered, the caller may ask for them again.
    receiverUp = true;
    world.run(
      world.now + 120_000,
      () => world.rows("SELECT job_id FROM jobs WHERE callback_status = 'pending'").length === 0,
    );
    expect(world.engine.submit(world.request(1, 1, { owner: A, callbackUrl: URL_A }), world.now).kind).toBe("created");
  });
});

describe("a job that sent nothing", () => {
  it("retries its callback for 10 minutes only; a job that sent keeps the 24 h window", () => {
    const world = new World(testSettings({ callbacks: limits }));
    world.receiver = () => false;
    const unsent = deduplicatedJob(world, A, URL_A, "k");
    const sent = world.submit(1, 1, { owner: B, callbackUrl: URL_B });
    world.run(T0 + CALLBACK_UNSENT_WINDOW_MS + 60_000);
    const unsentJob = world.engine.job(null, unsent);
    expect(unsentJob?.callback).toMatchObject({ status: "failed" });
    const tries = world.callbacks.filter((c) => c.task.jobId === unsent);
    expect(Math.max(...tries.map((c) => c.at))).toBeLessThanOrEqual(
      Date.parse(unsentJob?.completedAt ?? "") + CALLBACK_UNSENT_WINDOW_MS,
    );
    expect(world.engine.job(null, sent)?.callback).toMatchObject({ status: "pending" });
    world.run(T0 + CALLBACK_WINDOW_MS + 3_600_000);
    expect(world.engine.job(null, sent)?.callback).toMatchObject({ status: "failed" });
  });
});
