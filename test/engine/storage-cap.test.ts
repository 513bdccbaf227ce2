/**
 * The storage cap is enforced, and the outbox forgets what it need not keep: above RELAY_STORAGE_CAP_BYTES
 * new work is refused (`storage-full`, with a Retry-After that comes true) while sending, settling and
 * reads go on; each caller keeps at most RELAY_MAX_DEDUP_KEYS keys (its oldest go first); the keys of
 * notifications that end without ever leaving (cancelled, expired) are forgotten, so resubmitting them
 * is sent, not silently deduplicated.
 */
import { describe, expect, it } from "vitest";
import { packKeyedBatches } from "../../src/core/batch";
import { T0, World, testSettings } from "./harness";

const drained = (world: World) => () => world.engine.status(null, world.now).backlog.notifications === 0;

/** One notification per key, openIds `<prefix>-<i>`. */
function keyedBatches(prefix: string, keys: string[]) {
  return packKeyedBatches(
    keys.map((_, i) => ({ openId: `${prefix}-${i}`, templateCode: "T", templateValue: "{}" })),
    keys,
  );
}

const keys = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `order-${String(from + i).padStart(4, "0")}`);

describe("RELAY_STORAGE_CAP_BYTES", () => {
  it("refuses new work above the cap with a Retry-After that comes true; sending, settling and reads go on", () => {
    const world = new World(testSettings({ storageCapBytes: 1_000_000 }));
    const accepted: string[] = [];
    let refusal = world.engine.submit(world.request(1, 100), world.now);
    while (refusal.kind === "created") {
      accepted.push(refusal.job.jobId);
      refusal = world.engine.submit(world.request(1, 100), world.now);
    }
    expect(refusal).toMatchObject({ kind: "storage-full", capBytes: 1_000_000 });
    expect(world.sql.databaseBytes()).toBeLessThanOrEqual(1_000_000);
    expect(accepted.length).toBeGreaterThan(50);
    const retryAfter = (refusal as { retryAfterSeconds: number }).retryAfterSeconds;
    // What is due, in full requests at 50 per second.
    expect(retryAfter).toBe(Math.ceil((accepted.length * 100) / (100 * 50)));
    // Reads go on.
    expect(world.engine.job(null, accepted[0]!)).toMatchObject({ status: "queued" });
    expect(world.engine.status(null, world.now).storage.capBytes).toBe(1_000_000);
    // Sending and settling go on; by the Retry-After the sent text is freed and new work fits again.
    world.run(world.now + retryAfter * 1000 + 500);
    expect(accepted.every((jobId) => world.engine.job(null, jobId)?.status === "completed")).toBe(true);
    expect(world.engine.submit(world.request(1, 100), world.now).kind).toBe("created");
  });

  it("counts the request itself: one that would pass the cap is refused even below it", () => {
    const world = new World(testSettings({ storageCapBytes: 1_000_000 }));
    expect(world.engine.submit(world.request(100, 100), world.now)).toMatchObject({ kind: "storage-full" });
    expect(world.rows("SELECT job_id FROM jobs")).toEqual([]);
    expect(world.engine.submit(world.request(50, 100), world.now).kind).toBe("created");
  });
});

describe("the keys of notifications that never left are forgotten", () => {
  it("cancelled before any send: resubmitting the same keys is sent, not deduplicated", () => {
    const world = new World();
    const first = world.submit(0, 0, { batches: keyedBatches("a", keys(0, 3)), sendAfter: T0 + 60_000 });
    expect(world.engine.cancel(null, first, world.now)).toMatchObject({ kind: "cancelled", job: { cancelled: 3 } });
    expect(world.rows("SELECT dedup_key FROM dedup_keys")).toEqual([]);
    const again = world.submit(0, 0, { batches: keyedBatches("b", keys(0, 3)) });
    expect(world.engine.job(null, again)).toMatchObject({ total: 3, deduplicated: 0 });
    world.run(T0 + 60_000, drained(world));
    expect(world.sentOpenIds).toEqual(["b-0", "b-1", "b-2"]);
  });

  it("expired: forgotten too", () => {
    const world = new World();
    const first = world.submit(0, 0, {
      batches: keyedBatches("a", keys(0, 2)),
      sendAfter: T0 + 60_000,
      expiresAt: T0 + 30_000,
    });
    world.run(T0 + 31_000);
    expect(world.engine.job(null, first)).toMatchObject({ status: "completed", expired: 2 });
    expect(world.engine.job(null, world.submit(0, 0, { batches: keyedBatches("b", keys(0, 2)) }))).toMatchObject({
      deduplicated: 0,
    });
  });

  it("a cancel after part of the job left forgets only the part that never left", () => {
    // One request a second: the first 100 leave, the other 50 are still queued when the job is cancelled.
    const world = new World(testSettings({ pacer: { maxRps: 1, guardMs: 20 } }));
    const jobId = world.submit(0, 0, { batches: keyedBatches("a", keys(0, 150)) });
    world.run(T0 + 600, () => world.departures.length === 1);
    world.run(world.now + 400);
    expect(world.engine.cancel(null, jobId, world.now)).toMatchObject({ kind: "cancelled", job: { cancelled: 50 } });
    expect(world.rows<{ n: number }>("SELECT COUNT(*) AS n FROM dedup_keys")[0]?.n).toBe(100);
    const again = world.submit(0, 0, { batches: keyedBatches("b", keys(0, 150)) });
    expect(world.engine.job(null, again)).toMatchObject({ total: 150, deduplicated: 100 });
  });
});

describe("RELAY_MAX_DEDUP_KEYS", () => {
  it("keeps at most that many keys per caller, forgetting its oldest first; other callers' keys stay", () => {
    const world = new World(testSettings({ maxDedupKeys: 10 }));
    world.submit(0, 0, { batches: keyedBatches("other", keys(0, 5)), owner: "key:other" });
    for (let i = 0; i < 15; i++) {
      world.now += 1000;
      world.submit(0, 0, { batches: keyedBatches(`a${i}`, keys(i, i + 1)) });
    }
    const held = (owner: string) =>
      world.rows<{ n: number }>("SELECT COUNT(*) AS n FROM dedup_keys WHERE owner = ?", owner)[0]?.n;
    expect(held("key:alpha")).toBe(10);
    expect(held("key:other")).toBe(5);
    expect(world.logs).toContainEqual(
      expect.objectContaining({ event: "dedup_keys_forgotten", owner: "key:alpha", keys: 1 }),
    );
    // The five oldest are forgotten: sent again; the newest is still remembered.
    expect(world.engine.job(null, world.submit(0, 0, { batches: keyedBatches("x", keys(0, 1)) }))).toMatchObject({
      deduplicated: 0,
    });
    expect(world.engine.job(null, world.submit(0, 0, { batches: keyedBatches("y", keys(14, 15)) }))).toMatchObject({
      deduplicated: 1,
    });
  });

  it("one request with more new keys than the limit keeps its newest places' keys only", () => {
    const world = new World(testSettings({ maxDedupKeys: 10 }));
    world.submit(0, 0, { batches: keyedBatches("a", keys(0, 25)) });
    expect(world.rows<{ n: number }>("SELECT COUNT(*) AS n FROM dedup_keys")[0]?.n).toBe(10);
  });
});
