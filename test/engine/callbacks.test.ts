import { describe, expect, it } from "vitest";
import { CALLBACK_LEASE_MS, CALLBACK_WINDOW_MS, decideCallback } from "../../src/engine/decide/callback-policy";
import { T0, World, testSettings } from "./harness";

const URL = "https://shop.example/relay-done";
const settled = (world: World, jobId: string) => () => {
  const status = world.engine.job(null, jobId)?.callback?.status;
  return status === "delivered" || status === "failed";
};

describe("completion callbacks", () => {
  it("one try when the job completes, carrying the final job document; delivered on a 2xx", () => {
    const world = new World();
    const jobId = world.submit(2, 3, { callbackUrl: URL });
    expect(world.engine.job(null, jobId)?.callback).toEqual({ status: "waiting", attempts: 0, lastError: null });
    world.run(T0 + 60_000, settled(world, jobId));
    expect(world.callbacks).toHaveLength(1);
    const [call] = world.callbacks;
    expect(call?.task).toMatchObject({ jobId, url: URL, attempt: 1 });
    expect(call?.task.webhookId).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(JSON.parse(call?.task.body ?? "{}")).toMatchObject({ jobId, status: "completed", succeeded: 6 });
    expect(world.engine.job(null, jobId)?.callback).toEqual({ status: "delivered", attempts: 1, lastError: null });
  });

  it("retried with growing delays under the same webhook-id while the receiver fails, until it answers 2xx", () => {
    const world = new World();
    world.receiver = (_task, n) => n >= 2;
    const jobId = world.submit(1, 1, { callbackUrl: URL });
    world.run(T0 + 3_600_000, settled(world, jobId));
    expect(world.callbacks.map((c) => c.task.attempt)).toEqual([1, 2, 3]);
    expect(new Set(world.callbacks.map((c) => c.task.webhookId)).size).toBe(1);
    const gaps = world.callbacks.slice(1).map((c, i) => c.at - (world.callbacks[i]?.at ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(2_500);
    expect(gaps[1]).toBeGreaterThan(gaps[0] ?? 0);
    expect(world.engine.job(null, jobId)?.callback).toEqual({ status: "delivered", attempts: 3, lastError: null });
  });

  it("gives up 24 hours after the job completed, the last error kept; never a try after that", () => {
    const world = new World();
    world.receiver = () => false;
    const jobId = world.submit(1, 1, { callbackUrl: URL });
    world.run(T0 + 3 * CALLBACK_WINDOW_MS, settled(world, jobId));
    const job = world.engine.job(null, jobId);
    const completedAt = Date.parse(job?.completedAt ?? "");
    expect(job?.callback).toMatchObject({ status: "failed", lastError: "HTTP 500" });
    expect(world.callbacks.length).toBeGreaterThan(20);
    expect(Math.max(...world.callbacks.map((c) => c.at))).toBeLessThanOrEqual(completedAt + CALLBACK_WINDOW_MS);
    // Nothing pending: the engine no longer wakes for it.
    expect(world.engine.tick(world.now).callbacks).toEqual([]);
  });

  it("a try whose host never reported back is tried again once its lease runs out; its late report is ignored", () => {
    const world = new World();
    world.receiver = (_task, n) => (n === 0 ? "lost" : true);
    const jobId = world.submit(1, 1, { callbackUrl: URL });
    world.run(T0 + 600_000, settled(world, jobId));
    expect(world.callbacks).toHaveLength(2);
    expect((world.callbacks[1]?.at ?? 0) - (world.callbacks[0]?.at ?? 0)).toBeGreaterThanOrEqual(CALLBACK_LEASE_MS);
    world.engine.callbackReport({ jobId, attempt: 1, delivered: false, error: "timeout" }, world.now);
    expect(world.engine.job(null, jobId)?.callback).toEqual({ status: "delivered", attempts: 2, lastError: null });
  });

  it("jobs without a callbackUrl get none", () => {
    const world = new World();
    const jobId = world.submit(1, 1);
    world.run(T0 + 60_000);
    expect(world.callbacks).toEqual([]);
    expect(world.engine.job(null, jobId)?.callback).toBeNull();
  });
});

describe("the callback decision", () => {
  it("doubles the delay (with equal jitter) up to an hour, and fails past the 24 h window", () => {
    expect(decideCallback(true, 7, T0, T0 + 1, 0.5)).toEqual({ status: "delivered" });
    expect(decideCallback(false, 1, T0, T0, 0)).toEqual({ status: "pending", at: T0 + 2_500 });
    expect(decideCallback(false, 2, T0, T0, 1)).toEqual({ status: "pending", at: T0 + 10_000 });
    expect(decideCallback(false, 30, T0, T0, 1)).toEqual({ status: "pending", at: T0 + 3_600_000 });
    expect(decideCallback(false, 30, T0, T0 + CALLBACK_WINDOW_MS - 1_000_000, 0)).toEqual({ status: "failed" });
  });
});

describe("retention and callbacks", () => {
  it("a job whose callback is still being tried is not pruned, even past a short retention", () => {
    const world = new World(testSettings({ jobRetentionMs: 3_600_000 }));
    world.receiver = () => false;
    const jobId = world.submit(1, 1, { callbackUrl: URL });
    world.run(T0 + 2 * 3_600_000);
    expect(world.engine.job(null, jobId)?.callback).toMatchObject({ status: "pending" });
    world.run(T0 + 30 * 3_600_000, settled(world, jobId));
    expect(world.engine.job(null, jobId)?.callback?.status).toBe("failed");
    world.run(world.now + 2 * 3_600_000);
    expect(world.engine.job(null, jobId)).toBeNull();
  });
});
