/**
 * What all callers share, in workerd: `sendAfter` at most RELAY_MAX_SEND_AFTER_HOURS ahead (400 naming
 * it); at most RELAY_MAX_WAITS_PER_CALLER open `Prefer: wait` waits per caller, POST and GET together
 * (beyond, the answer comes at once with `Preference-Applied: wait=0`); the storage cap enforced on the
 * Durable Object's own SQLite; the refusals' documented problems with `Retry-After`; and a caller's
 * `/v1/status` of its own.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { packBatches } from "../src/core/batch";
import { parseConfig } from "../src/config";
import { Engine } from "../src/engine/engine";
import { engineSettings } from "../src/engine/settings";
import { durableObjectSql } from "../src/hosts/cloudflare/sql-storage";
import { Dispatcher } from "../src/hosts/cloudflare/dispatcher";
import { ProblemSchema } from "../src/http/openapi/schemas";
import type { DispatcherStatus } from "../src/engine/api";
import { TestGateway } from "./support/gateway";
import {
  ADMIN_KEY,
  API_KEY,
  OTHER_API_KEY,
  dispatcherStub,
  freshRelay,
  notifications,
  relay,
  relayStatus,
  submit,
} from "./support/relay";

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const pause = () => relay("/v1/pause", { method: "POST", key: ADMIN_KEY, json: { reason: "holding for the test" } });

beforeEach(freshRelay);

describe("RELAY_MAX_SEND_AFTER_HOURS (168)", () => {
  it("a sendAfter further ahead is a 400 naming it, nothing queued; within it, accepted", async () => {
    await TestGateway.install();
    const far = await relay("/v1/notifications", {
      method: "POST",
      json: { sendAfter: iso(Date.now() + 169 * HOUR), notifications: notifications(1) },
    });
    expect(far.status).toBe(400);
    const problem = (await far.json()) as { code: string; errors: { field: string; problem: string }[] };
    expect(problem.code).toBe("invalid-request");
    expect(problem.errors).toEqual([
      { field: "sendAfter", problem: expect.stringContaining("RELAY_MAX_SEND_AFTER_HOURS") },
    ]);
    expect((await relayStatus(ADMIN_KEY)).backlog.queued).toBe(0);
    const near = await relay("/v1/notifications", {
      method: "POST",
      json: { sendAfter: iso(Date.now() + 167 * HOUR), notifications: notifications(1) },
    });
    expect(near.status).toBe(202);
    expect((await relayStatus()).backlog).toMatchObject({ queued: 1, due: 0, delayed: 1 });
  });
});

describe("RELAY_MAX_WAITS_PER_CALLER (10)", () => {
  it("the 11th open wait of a caller (POST and GET together) answers at once with Preference-Applied: wait=0; another caller still waits", async () => {
    await TestGateway.install();
    await pause();
    const { jobId } = await submit(1);
    // Passes through: counts the waits the dispatcher has taken in (each is registered as it is called).
    const taken = vi.spyOn(Dispatcher.prototype, "waitForJob");
    const ended: boolean[] = [];
    const hold = (res: Promise<Response>, i: number) =>
      res.then((r) => {
        ended[i] = true;
        return r;
      });
    const waits = [
      ...Array.from({ length: 5 }, (_, i) =>
        hold(relay(`/v1/notifications/${jobId}`, { headers: { prefer: "wait=3" } }), i),
      ),
      ...Array.from({ length: 5 }, (_, i) =>
        hold(
          relay("/v1/notifications", {
            method: "POST",
            headers: { prefer: "wait=3" },
            json: { notifications: notifications(1, `w${i}`) },
          }),
          5 + i,
        ),
      ),
    ];
    await expect.poll(() => taken.mock.calls.length, { timeout: 5_000 }).toBe(10);
    const eleventh = await relay(`/v1/notifications/${jobId}`, { headers: { prefer: "wait=3" } });
    expect(eleventh.status).toBe(200);
    expect(eleventh.headers.get("preference-applied")).toBe("wait=0");
    expect(await eleventh.json()).toMatchObject({ jobId, status: "queued" });
    expect(ended.filter(Boolean)).toHaveLength(0);
    // Another caller's wait is its own.
    const other = await relay("/v1/notifications", {
      key: OTHER_API_KEY,
      method: "POST",
      headers: { prefer: "wait=1" },
      json: { notifications: notifications(1, "o") },
    });
    expect(other.status).toBe(202);
    expect(other.headers.get("preference-applied")).toBe("wait=1");
    const answers = await Promise.all(waits);
    expect(answers.map((r) => r.headers.get("preference-applied"))).toEqual(Array(10).fill("wait=3"));
    // Their waits over, the caller may wait again.
    const again = await relay(`/v1/notifications/${jobId}`, { headers: { prefer: "wait=1" } });
    expect(again.headers.get("preference-applied")).toBe("wait=1");
  }, 20_000);
});

describe("RELAY_STORAGE_CAP_BYTES on the Durable Object's SQLite", () => {
  it("refuses new work above a 1 MB cap, reads go on, and sending what is queued frees the room", async () => {
    await TestGateway.install();
    await runInDurableObject(dispatcherStub(), (_instance: Dispatcher, state) => {
      const parsed = parseConfig(env);
      if (!parsed.ok) throw new Error("test configuration invalid");
      const sql = durableObjectSql(state.storage);
      // Its own engine over the object's storage, with a small cap; everything below is synchronous, so the
      // object's own engine runs nothing in between.
      const engine = new Engine(sql, { ...engineSettings(parsed.config), storageCapBytes: 1_000_000 }).open(Date.now());
      const batch = () =>
        packBatches(
          notifications(100, crypto.randomUUID()).map((n) => ({
            ...n,
            templateValue: JSON.stringify(n.templateValue),
          })),
        );
      const request = (i: number) => ({
        jobId: `job_storagecap${String(i).padStart(12, "0")}`,
        owner: "key:cap",
        bodyHash: String(i),
        merchantId: "m",
        batches: batch(),
      });
      const accepted: string[] = [];
      let i = 0;
      let result = engine.submit(request(i++), Date.now());
      while (result.kind === "created") {
        accepted.push(result.job.jobId);
        result = engine.submit(request(i++), Date.now());
      }
      expect(result).toMatchObject({ kind: "storage-full", capBytes: 1_000_000 });
      expect((result as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(sql.databaseBytes()).toBeLessThanOrEqual(1_000_000);
      expect(accepted.length).toBeGreaterThan(10);
      expect(engine.job(null, accepted[0]!)).toMatchObject({ status: "queued" });
      // Sending and settling go on: every request handed out is answered S; their text is freed.
      const now = Date.now();
      for (let t = now; engine.status(null, t).backlog.notifications > 0; t += 50) {
        for (const task of engine.tick(t).tasks) {
          const resultInfo = {
            resultStatus: "S",
            resultCodeId: "00000000",
            resultCode: "SUCCESS",
            resultMsg: "success",
          };
          engine.report(
            {
              requestId: task.requestId,
              reqMsgId: task.reqMsgId,
              outcome: {
                kind: "answered",
                resultClass: "success",
                resultInfo,
                reqMsgId: task.reqMsgId,
                reqTime: "",
                latencyMs: 1,
                verified: true,
              },
            },
            t,
          );
        }
      }
      expect(accepted.every((jobId) => engine.job(null, jobId)?.status === "completed")).toBe(true);
      expect(sql.databaseBytes()).toBeLessThan(500_000);
      expect(engine.submit(request(i++), Date.now()).kind).toBe("created");
    });
  });
});

describe("refusals that pass with time", () => {
  it.each([
    [{ kind: "storage-full", retryAfterSeconds: 12, bytes: 1_000_000, capBytes: 1_000_000 }, 503, "storage-full"],
    [{ kind: "callbacks-pending", retryAfterSeconds: 40, pending: 1000, limit: 1000 }, 429, "callbacks-pending"],
    [
      { kind: "backlog-full", retryAfterSeconds: 7, backlogRuns: 900, limit: 1000, callerRuns: 700, callerShare: 500 },
      429,
      "backlog-full",
    ],
  ] as const)("%j is a documented problem with Retry-After", async (refusal, status, code) => {
    vi.spyOn(Dispatcher.prototype, "submit").mockResolvedValue(refusal);
    const res = await relay("/v1/notifications", { method: "POST", json: { notifications: notifications(1) } });
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("retry-after")).toBe(String(refusal.retryAfterSeconds));
    const body = ProblemSchema.parse(await res.json());
    expect(body).toMatchObject({ code, status, retryAfterSeconds: refusal.retryAfterSeconds });
  });
});

describe("/v1/status for a caller key", () => {
  it("shows its own backlog and entry only; an admin key sees every caller's", async () => {
    await TestGateway.install();
    await pause();
    await submit(150);
    await submit(30, { key: OTHER_API_KEY });
    const mine = (await relayStatus()) as DispatcherStatus;
    const theirs = (await relayStatus(OTHER_API_KEY)) as DispatcherStatus;
    const admin = (await relayStatus(ADMIN_KEY)) as DispatcherStatus;
    expect(mine.backlog).toMatchObject({ notifications: 150, queued: 150 });
    expect(theirs.backlog).toMatchObject({ notifications: 30, queued: 30 });
    expect(admin.backlog).toMatchObject({ notifications: 180, queued: 180 });
    expect(mine.callers).toHaveLength(1);
    expect(theirs.callers).toHaveLength(1);
    expect(mine.callers[0]?.caller).not.toBe(theirs.callers[0]?.caller);
    expect(admin.callers).toHaveLength(2);
    expect(mine.hold).toMatchObject({ kind: "paused", by: null });
    expect(admin.hold?.by).toMatch(/^key:/);
    expect(JSON.stringify(mine)).not.toContain(API_KEY);
  });
});
