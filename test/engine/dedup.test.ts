import { describe, expect, it } from "vitest";
import { packKeyedBatches } from "../../src/core/batch";
import { T0, World } from "./harness";

const drained = (world: World) => () => world.engine.status(null, world.now).backlog.notifications === 0;

/** A request's batches: one notification per openId, keyed as given (null: no key). */
function keyed(items: [string, string | null][]) {
  return packKeyedBatches(
    items.map(([openId]) => ({ openId, templateCode: "T", templateValue: "{}" })),
    items.map(([, key]) => key),
  );
}

const sentOpenIds = (world: World) => world.sentOpenIds;

describe("dedupKey", () => {
  it("cuts elements by their text length, so non-ASCII template values survive byte for byte", () => {
    const world = new World();
    const batches = packKeyedBatches(
      [
        { openId: "u1", templateCode: "T", templateValue: '{"shop":"茶館 🍵","note":"a, b]"}' },
        { openId: "u2", templateCode: "T", templateValue: '{"shop":"花店 💐"}' },
        { openId: "u3", templateCode: "T", templateValue: '{"shop":"茶館 🍵"}' },
      ],
      ["k1", "k1", null],
    );
    const jobId = world.submit(0, 0, { batches });
    expect(world.engine.job(null, jobId)).toMatchObject({ total: 3, deduplicated: 1 });
    const [stored] = world.rows<{ infos: string }>("SELECT infos FROM payloads");
    expect(stored?.infos).toBe(
      '[{"openId":"u1","templateCode":"T","templateValue":"{\\"shop\\":\\"茶館 🍵\\",\\"note\\":\\"a, b]\\"}"},{"openId":"u3","templateCode":"T","templateValue":"{\\"shop\\":\\"茶館 🍵\\"}"}]',
    );
  });

  it("a key the same caller had accepted is not sent again and ends deduplicated; later duplicates within one request too", () => {
    const world = new World();
    const first = world.submit(0, 0, {
      batches: keyed([
        ["u1", "order-1"],
        ["u2", "order-2"],
        ["u3", null],
      ]),
    });
    world.run(T0 + 10_000, drained(world));
    const second = world.submit(0, 0, {
      batches: keyed([
        ["u1", "order-1"],
        ["u4", "order-4"],
        ["u5", "order-4"],
        ["u6", null],
      ]),
    });
    world.run(world.now + 10_000, drained(world));
    expect(world.engine.job(null, first)).toMatchObject({
      status: "completed",
      total: 3,
      succeeded: 3,
      deduplicated: 0,
    });
    const job = world.engine.job(null, second);
    expect(job).toMatchObject({
      status: "completed",
      total: 4,
      succeeded: 2,
      deduplicated: 2,
      pending: 0,
      failures: [],
    });
    // What left for the second job: u4 and u6 only, packed into one batch.
    expect(job?.batches.map((b) => b.size)).toEqual([2]);
    expect(sentOpenIds(world)).toEqual(["u1", "u2", "u3", "u4", "u6"]);
  });

  it("another caller's keys, and keys older than RELAY_DEDUP_HOURS, do not deduplicate", () => {
    const world = new World();
    world.submit(0, 0, { batches: keyed([["u1", "k"]]) });
    const other = world.submit(0, 0, { owner: "key:beta", batches: keyed([["u1", "k"]]) });
    expect(world.engine.job(null, other)).toMatchObject({ deduplicated: 0, total: 1 });
    world.run(T0 + 24 * 3_600_000 + 1, drained(world));
    world.now = T0 + 24 * 3_600_000 + 1;
    const later = world.submit(0, 0, { batches: keyed([["u1", "k"]]) });
    expect(world.engine.job(null, later)).toMatchObject({ deduplicated: 0, total: 1 });
  });

  it("a request whose every notification is a duplicate completes at once, with nothing queued", () => {
    const world = new World();
    world.submit(0, 0, {
      batches: keyed([
        ["u1", "a"],
        ["u2", "b"],
      ]),
    });
    const again = world.submit(0, 0, {
      batches: keyed([
        ["u1", "a"],
        ["u2", "b"],
      ]),
    });
    expect(world.engine.job(null, again)).toMatchObject({
      status: "completed",
      total: 2,
      deduplicated: 2,
      batches: [],
    });
    expect(world.engine.status(null, world.now).backlog.notifications).toBe(2);
  });

  it("packs what is left into full batches of 100, elements byte for byte as the caller's", () => {
    const world = new World();
    const items: [string, string | null][] = Array.from({ length: 250 }, (_, i) => [
      `u${i}`,
      i % 2 === 0 ? `k${i % 10}` : null,
    ]);
    const jobId = world.submit(0, 0, { batches: keyed(items) });
    // Keys k0, k2, k4, k6, k8 are first seen at 0, 2, 4, 6, 8: every other even element is a duplicate.
    const job = world.engine.job(null, jobId);
    expect(job).toMatchObject({ total: 250, deduplicated: 120 });
    // Stored as wire text in chunks of 100 (requests are assembled from them at each slot).
    expect(job?.pending).toBe(130);
    const stored = world.rows<{ infos: string }>("SELECT infos FROM payloads ORDER BY payload_id");
    expect(stored.map((p) => (JSON.parse(p.infos) as unknown[]).length)).toEqual([100, 30]);
    const elements = stored.flatMap((p) => JSON.parse(p.infos) as { openId: string }[]);
    expect(elements.slice(0, 6).map((e) => e.openId)).toEqual(["u0", "u1", "u2", "u3", "u4", "u5"]);
    expect(stored[0]?.infos.startsWith('[{"openId":"u0","templateCode":"T","templateValue":"{}"},{"openId":"u1"')).toBe(
      true,
    );
  });
});
