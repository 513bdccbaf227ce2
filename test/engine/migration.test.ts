import { readFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine";
import { MIGRATIONS, migrate, schemaVersion } from "../../src/engine/store/migrations";
import { nodeSqlite } from "../../src/hosts/self-hosted/sqlite";
import { SUCCESS, T0, testSettings } from "./harness";

/** An outbox as the first release left it: its schema (migration 1) and rows in every state. */
function firstReleaseOutbox() {
  const sql = nodeSqlite(new DatabaseSync(":memory:"));
  for (const statement of MIGRATIONS[0] ?? []) sql.exec(statement);
  const infos = (ids: string[]) =>
    JSON.stringify(ids.map((openId) => ({ openId, templateCode: "T", templateValue: "{}" })));
  sql.exec("INSERT INTO jobs VALUES ('job_done', 'key:a', 'idem-1', 'h1', 'm', 3, 2, ?, ?)", T0 - 5000, T0 - 1000);
  sql.exec("INSERT INTO jobs VALUES ('job_open', 'key:a', NULL, 'h2', 'm', 2, 2, ?, NULL)", T0 - 2000);
  const batch =
    "INSERT INTO batches (job_id, seq, size, notifications, state, attempts, next_at, result_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  sql.exec(batch, "job_done", 0, 2, infos(["u1", "u2"]), "succeeded", 1, T0, "SUCCESS");
  sql.exec(batch, "job_done", 1, 1, infos(["u3"]), "failed", 2, T0, "PROCESS_FAIL");
  sql.exec(batch, "job_open", 0, 1, infos(["u4"]), "succeeded", 1, T0, "SUCCESS");
  sql.exec(batch, "job_open", 1, 1, infos(["u5"]), "queued", 0, T0 - 2000, null);
  sql.exec("INSERT INTO webhook_ids VALUES ('msg_1', ?, 'job_done', 'h1')", T0 - 5000);
  sql.exec("INSERT INTO attempts_log VALUES (?, 'SUCCESS', 200)", T0 - 1000);
  sql.exec(
    "INSERT INTO meta VALUES ('pacer', ?)",
    JSON.stringify({
      configuredRps: 50,
      liveRps: 31,
      estimateRps: 33,
      lastDecreaseAt: T0 - 3000,
      lastExceedAt: T0 - 3000,
      cleanSince: T0 - 3000,
      sends: [],
      tat: T0,
      accepted: [],
    }),
  );
  return sql;
}

describe("versioned migrations", () => {
  it("recognises the first release's outbox as version 1 and an empty database as 0", () => {
    expect(schemaVersion(firstReleaseOutbox())).toBe(1);
    expect(schemaVersion(nodeSqlite(new DatabaseSync(":memory:")))).toBe(0);
  });

  it("upgrades it with its data: counters, webhook ids kept with their jobs, payloads only for open notifications", () => {
    const sql = firstReleaseOutbox();
    expect(migrate(sql)).toEqual({ from: 1, to: MIGRATIONS.length });
    expect(schemaVersion(sql)).toBe(MIGRATIONS.length);
    expect(sql.exec("SELECT job_id, webhook_id, succeeded, failed, attempted FROM jobs ORDER BY job_id")).toEqual([
      { job_id: "job_done", webhook_id: "msg_1", succeeded: 2, failed: 1, attempted: 3 },
      { job_id: "job_open", webhook_id: null, succeeded: 1, failed: 0, attempted: 1 },
    ]);
    expect(
      sql.exec(
        "SELECT r.seq, r.count, r.state, p.infos IS NOT NULL AS has_payload, r.open_ids FROM runs r LEFT JOIN payloads p USING (payload_id) ORDER BY run_id",
      ),
    ).toEqual([
      { seq: 0, count: 2, state: "succeeded", has_payload: 0, open_ids: null },
      { seq: 100, count: 1, state: "failed", has_payload: 0, open_ids: '["u3"]' },
      { seq: 0, count: 1, state: "succeeded", has_payload: 0, open_ids: null },
      { seq: 100, count: 1, state: "queued", has_payload: 1, open_ids: null },
    ]);
    expect(sql.exec("SELECT name FROM sqlite_master WHERE name IN ('webhook_ids', 'attempts_log')")).toEqual([]);
    // Running it again changes nothing.
    expect(migrate(sql)).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length });
  });

  it("an engine opened on it serves the old jobs and sends what was still queued, keeping the learned pace", () => {
    const sql = firstReleaseOutbox();
    const engine = new Engine(sql, testSettings(), { log: () => {} }).open(T0);
    expect(engine.job(null, "job_done")).toMatchObject({
      status: "completed",
      succeeded: 2,
      failed: 1,
      failures: [{ openId: "u3", resultCode: "PROCESS_FAIL" }],
    });
    expect(engine.status(null, T0).pace.liveRps).toBe(31);
    const { tasks } = engine.tick(T0);
    expect(tasks.map((t) => JSON.parse(t.notificationInfos)[0].openId)).toEqual(["u5"]);
    const task = tasks[0];
    if (!task) throw new Error("no task");
    engine.report(
      {
        requestId: task.requestId,
        reqMsgId: task.reqMsgId,
        outcome: { ...SUCCESS.outcome, reqMsgId: task.reqMsgId, reqTime: "", latencyMs: 200, verified: true },
      },
      T0 + 200,
    );
    expect(engine.job(null, "job_open")).toMatchObject({ status: "completed", succeeded: 2, failed: 0 });
    // A webhook retry of the first release's job still finds it.
    expect(
      engine.submit(
        { jobId: "job_new", owner: "key:a", webhookId: "msg_1", bodyHash: "h1", merchantId: "m", batches: [] },
        T0,
      ),
    ).toMatchObject({ kind: "existing" });
  });

  it("refuses an outbox from a newer relay instead of guessing", () => {
    const sql = nodeSqlite(new DatabaseSync(":memory:"));
    migrate(sql);
    sql.exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    expect(() => migrate(sql)).toThrow(/newer than this relay knows/);
  });
});

describe("version 3 (delivery policies)", () => {
  /** An outbox at version 2 with a finished job, an open one with a queued batch, and a failed batch. */
  function versionTwoOutbox() {
    const sql = nodeSqlite(new DatabaseSync(":memory:"));
    sql.transaction(() => {
      for (const statement of [...(MIGRATIONS[0] ?? []), ...(MIGRATIONS[1] ?? [])]) sql.exec(statement);
      sql.exec("INSERT INTO meta (key, value) VALUES ('schema_version', '2')");
    });
    const job = `INSERT INTO jobs (job_id, owner, body_hash, merchant_id, total, batch_count, created_at, completed_at, succeeded, failed, settled_batches, attempted_batches)
                 VALUES (?, 'key:a', 'h', 'm', ?, ?, ?, ?, ?, ?, ?, ?)`;
    sql.exec(job, "job_done", 2, 2, T0 - 5000, T0 - 1000, 1, 1, 2, 2);
    sql.exec(job, "job_open", 1, 1, T0 - 2000, null, 0, 0, 0, 0);
    const batch =
      "INSERT INTO batches (job_id, seq, size, state, attempts, next_at, result_code, open_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    sql.exec(batch, "job_done", 0, 1, "succeeded", 1, T0, "SUCCESS", null);
    sql.exec(batch, "job_done", 1, 1, "failed", 1, T0, "PROCESS_FAIL", '["u2"]');
    const open = sql.exec<{ batch_id: number }>(
      "INSERT INTO batches (job_id, seq, size, state, next_at) VALUES ('job_open', 0, 1, 'queued', ?) RETURNING batch_id",
      T0 - 2000,
    );
    sql.exec(
      "INSERT INTO payloads (batch_id, infos) VALUES (?, ?)",
      open[0]?.batch_id ?? 0,
      '[{"openId":"u3","templateCode":"T","templateValue":"{}"}]',
    );
    return sql;
  }

  it("upgrades a version 2 outbox: old jobs keep today's behaviour (no deadline, at-least-once, no callback)", () => {
    const sql = versionTwoOutbox();
    expect(migrate(sql)).toEqual({ from: 2, to: MIGRATIONS.length });
    const engine = new Engine(sql, testSettings(), { log: () => {} }).open(T0);
    expect(engine.job(null, "job_done")).toMatchObject({
      status: "completed",
      succeeded: 1,
      failed: 1,
      cancelled: 0,
      expired: 0,
      deduplicated: 0,
      pending: 0,
      sendAfter: null,
      expiresAt: null,
      onUnknown: "retry",
      callback: null,
      failures: [{ openId: "u2", resultCode: "PROCESS_FAIL" }],
    });
    const { tasks } = engine.tick(T0);
    expect(tasks.map((t) => JSON.parse(t.notificationInfos)[0].openId)).toEqual(["u3"]);
    // The cancel of the open job leaves what is on the wire alone; the finished one is refused.
    expect(engine.cancel(null, "job_done", T0)).toMatchObject({ kind: "completed" });
    expect(engine.cancel(null, "job_open", T0)).toMatchObject({
      kind: "cancelled",
      job: { cancelled: 0, batches: [{ status: "sending" }] },
    });
    expect(sql.exec("SELECT name FROM sqlite_master WHERE name = 'dedup_keys'")).toEqual([{ name: "dedup_keys" }]);
  });
});

describe("version 4 (requests assembled at the slot)", () => {
  /** The outbox the engine at schema version 3 left (test/fixtures/outbox-v3.sql), as it was on disk. */
  function versionThreeOutbox() {
    const sql = nodeSqlite(new DatabaseSync(":memory:"));
    sql.transaction(() => {
      for (const statement of MIGRATIONS.slice(0, 3).flat()) sql.exec(statement);
      const dump = readFileSync(new URL("../fixtures/outbox-v3.sql", import.meta.url), "utf8");
      for (const line of dump.split("\n")) if (line.startsWith("INSERT")) sql.exec(line);
    });
    return sql;
  }

  it("turns queued and in-flight batches into queued and leased notifications, with nothing lost", () => {
    const sql = versionThreeOutbox();
    const before = sql.exec<{ state: string; n: number }>(
      "SELECT state, SUM(size) AS n FROM batches GROUP BY state ORDER BY state",
    );
    expect(before).toEqual([
      { state: "failed", n: 100 },
      { state: "in_flight", n: 452 },
      { state: "queued", n: 203 },
      { state: "succeeded", n: 100 },
    ]);
    expect(migrate(sql)).toEqual({ from: 3, to: MIGRATIONS.length });
    expect(sql.exec("SELECT state, SUM(count) AS n FROM runs GROUP BY state ORDER BY state")).toEqual([
      { state: "failed", n: 100 },
      { state: "leased", n: 452 },
      { state: "queued", n: 203 },
      { state: "succeeded", n: 100 },
    ]);
    // Every batch that was sent became the request it last rode on: on the wire, lost, or answered.
    expect(
      sql.exec("SELECT state, COUNT(*) AS n, SUM(size) AS size FROM requests GROUP BY state ORDER BY state"),
    ).toEqual([
      { state: "ended", n: 2, size: 200 },
      { state: "in_flight", n: 6, size: 452 },
      { state: "lost", n: 1, size: 3 },
    ]);
    const engine = new Engine(sql, testSettings(), { log: () => {} }).open(T0 + 16_200);
    expect(engine.status(null, T0 + 16_200)).toMatchObject({
      backlog: { notifications: 655, queued: 203 },
      inFlight: 6,
    });
    expect(engine.job(null, "job_mixed")).toMatchObject({
      status: "running",
      total: 600,
      succeeded: 100,
      pending: 500,
    });
    expect(engine.job(null, "job_failed")).toMatchObject({
      failed: 100,
      failures: expect.arrayContaining([{ openId: "failed-0", resultCode: "PROCESS_FAIL", resultMsg: "process fail" }]),
    });
  });

  it("an engine opened on it sends every open notification and completes every job, the leased ones after their leases", () => {
    const sql = versionThreeOutbox();
    const world = { now: T0 + 16_200 };
    const engine = new Engine(sql, testSettings(), { log: () => {} }).open(world.now);
    const delivered = new Map<string, number>();
    for (let step = 0; step < 10_000; step++) {
      const { tasks, wakeAt } = engine.tick(world.now);
      for (const task of tasks) {
        for (const e of JSON.parse(task.notificationInfos) as { openId: string }[])
          delivered.set(e.openId, (delivered.get(e.openId) ?? 0) + 1);
        engine.report(
          {
            requestId: task.requestId,
            reqMsgId: task.reqMsgId,
            outcome: { ...SUCCESS.outcome, reqMsgId: task.reqMsgId, reqTime: "", latencyMs: 200, verified: true },
          },
          world.now,
        );
      }
      if (engine.status(null, world.now).backlog.notifications === 0) break;
      world.now = Math.max(world.now + 1, wakeAt);
    }
    for (const jobId of ["job_lost", "job_failed", "job_keyed", "job_mixed"]) {
      const job = engine.job(null, jobId);
      expect(job?.status, jobId).toBe("completed");
      expect((job?.succeeded ?? 0) + (job?.failed ?? 0) + (job?.cancelled ?? 0) + (job?.deduplicated ?? 0)).toBe(
        job?.total,
      );
    }
    // Every notification that was queued or on the wire reached the gateway; the at-most-once one on the
    // wire was failed after its lease (it may have arrived), never resent.
    const expected = [
      ...Array.from({ length: 3 }, (_, i) => `lost-${i}`),
      ...Array.from({ length: 150 }, (_, i) => `failed-${i + 100}`),
      ...Array.from({ length: 500 }, (_, i) => `mixed-${i + 100}`),
    ];
    for (const openId of expected) expect(delivered.get(openId), openId).toBe(1);
    expect(engine.job(null, "job_keyed")).toMatchObject({
      failed: 2,
      deduplicated: 1,
      failures: [{ resultCode: "LOST_IN_FLIGHT" }, { resultCode: "LOST_IN_FLIGHT" }],
    });
  });
});
