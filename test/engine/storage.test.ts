import { describe, expect, it } from "vitest";
import { T0, World, testSettings } from "./harness";

const drained = (world: World) => () => world.engine.status(null, world.now).backlog.notifications === 0;

describe("an outbox that stays small", () => {
  it("settled notifications keep no template values; no openIds are kept unless they failed", () => {
    const world = new World(testSettings());
    world.submit(3, 100);
    expect(world.rows<{ n: number }>("SELECT SUM(LENGTH(infos)) AS n FROM payloads")[0]?.n).toBeGreaterThan(
      3 * 100 * 30,
    );
    world.run(T0 + 60_000, drained(world));
    expect(world.rows("SELECT payload_id FROM payloads")).toEqual([]);
    expect(world.rows("SELECT open_ids FROM runs WHERE open_ids IS NOT NULL")).toEqual([]);
  });

  it("a second 20,000-notification run reuses the first one's payload pages: it adds only the settled rows it keeps", () => {
    const world = new World(testSettings({ pacer: { maxRps: 200, guardMs: 20 } }));
    let payloadBytes = 0;
    const run = () => {
      for (let i = 0; i < 2; i++) world.submit(100, 100);
      payloadBytes = world.rows<{ n: number }>("SELECT SUM(LENGTH(infos)) AS n FROM payloads")[0]?.n ?? 0;
      world.run(world.now + 600_000, drained(world));
    };
    run();
    const afterFirst = world.sql.databaseBytes();
    run();
    const afterSecond = world.sql.databaseBytes();
    console.log(`outbox after one run ${afterFirst} B, after two ${afterSecond} B; payloads per run ${payloadBytes} B`);
    expect(payloadBytes).toBeGreaterThan(1_000_000);
    // What stays per run is 200 settled runs, 200 request rows and 2 job rows (~16 B of payload per
    // notification would already be 320 KB): the growth is a few pages, not a second run's payloads.
    expect(afterSecond - afterFirst).toBeLessThanOrEqual(0.05 * payloadBytes);
    expect(world.engine.status(null, world.now).storage).toEqual({ bytes: afterSecond, capBytes: 10_000_000_000 });
  });

  it("prunes finished jobs after the retention in bounded chunks, on its own, with nothing being sent", () => {
    const world = new World(testSettings({ jobRetentionMs: 3_600_000, pacer: { maxRps: 1000, guardMs: 20 } }));
    for (let i = 0; i < 12; i++) world.submit(100, 1);
    world.run(world.now + 60_000, drained(world));
    const done = world.now;
    expect(world.rows<{ n: number }>("SELECT COUNT(*) AS n FROM runs")[0]?.n).toBe(1200);
    // Idle: the engine's own wake-up brings the prune, in chunks of at most 500 rows a step.
    const counts: number[] = [];
    world.run(
      done + 3_600_000 + 60_000,
      () => false,
      () => counts.push(world.rows<{ n: number }>("SELECT COUNT(*) AS n FROM runs")[0]?.n ?? 0),
    );
    expect(world.rows("SELECT job_id FROM jobs")).toEqual([]);
    expect(world.rows("SELECT run_id FROM runs")).toEqual([]);
    expect(world.rows("SELECT request_id FROM requests")).toEqual([]);
    const drops = counts
      .slice(1)
      .map((n, i) => (counts[i] ?? 0) - n)
      .filter((d) => d > 0);
    expect(drops.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...drops)).toBeLessThanOrEqual(500);
  });

  it("health is degraded above 80 % of RELAY_STORAGE_CAP_BYTES", () => {
    const world = new World(testSettings({ storageCapBytes: 1_300_000 }));
    expect(world.engine.health()).toEqual([]);
    world.submit(100, 100);
    expect(world.sql.databaseBytes()).toBeGreaterThan(0.8 * 1_300_000);
    expect(world.engine.health().map((r) => r.reason)).toEqual(["storage-near-cap"]);
    expect(world.engine.health()[0]?.detail).toContain("RELAY_STORAGE_CAP_BYTES");
  });
});

describe("webhook ids", () => {
  it("are remembered as long as the job they created: a retry hours later gets its job back", () => {
    const world = new World(testSettings());
    const jobId = world.submit(1, 1, { webhookId: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", bodyHash: "h1" });
    world.run(world.now + 60_000, drained(world));
    world.now += 3 * 3_600_000;
    const again = world.engine.submit(
      {
        jobId: "job_other",
        owner: "key:alpha",
        webhookId: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
        bodyHash: "h1",
        merchantId: "m",
        batches: [],
      },
      world.now,
    );
    expect(again).toMatchObject({ kind: "existing", job: { jobId } });
    const replay = world.engine.submit(
      {
        jobId: "job_other",
        owner: "key:alpha",
        webhookId: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
        bodyHash: "h2",
        merchantId: "m",
        batches: [],
      },
      world.now,
    );
    expect(replay.kind).toBe("webhook-replayed");
  });
});

describe("the clientId is pinned", () => {
  it("an outbox opened under another ALIPAY_CLIENT_ID holds sending and says why", () => {
    const world = new World(testSettings({ clientId: "211020000000000000044" }));
    world.engine.pause("before the change", world.now);
    const jobId = world.submit(3, 1);
    world.engine.resume();
    world.settings = testSettings({ clientId: "999999999999" });
    world.restart();
    world.run(world.now + 60_000);
    expect(world.departures).toEqual([]);
    expect(world.engine.job(null, jobId)?.pending).toBe(3);
    expect(world.engine.health()).toMatchObject([{ reason: "client-id-mismatch" }]);
    expect(world.engine.health()[0]?.detail).toContain("211020000000000000044");
    expect(world.engine.status(null, world.now).hold?.kind).toBe("client-mismatch");
  });
});
