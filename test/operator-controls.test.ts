/**
 * Operator controls over HTTP, inside workerd: cancelling a job, pausing and resuming all sending, and
 * who may do each. The engine's decisions behind them are proved on the fake clock (test/engine/).
 */
import { runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { app } from "../src/http/app";
import { openApiDocument } from "../src/http/openapi/document";
import { JobViewSchema } from "../src/http/openapi/schemas";
import { TestGateway } from "./support/gateway";
import {
  ADMIN_KEY,
  API_KEY,
  OTHER_API_KEY,
  dispatcherStub,
  expectOutboxEmpty,
  freshRelay,
  getJob,
  relay,
  relayStatus,
  submit,
  waitForJob,
} from "./support/relay";
import { until } from "./support/until";

beforeEach(freshRelay);

const cancel = (jobId: string, key?: string) =>
  relay(`/v1/notifications/${jobId}`, { method: "DELETE", ...(key ? { key } : {}) });
const pause = (key: string, json?: unknown) =>
  relay("/v1/pause", { method: "POST", key, ...(json !== undefined ? { json } : {}) });
const resume = (key: string) => relay("/v1/resume", { method: "POST", key });

describe("DELETE /v1/notifications/{jobId}", () => {
  it("cancels a job that has not started: 200 with the job, every notification cancelled, nothing sent", async () => {
    const gateway = await TestGateway.install();
    expect((await pause(ADMIN_KEY)).status).toBe(200);
    const { jobId } = await submit(250);
    const res = await cancel(jobId);
    expect(res.status).toBe(200);
    const job = JobViewSchema.parse(await res.json());
    expect(job).toMatchObject({
      jobId,
      status: "completed",
      total: 250,
      cancelled: 250,
      succeeded: 0,
      pending: 0,
      failures: [],
    });
    expect(job.batches).toEqual([
      {
        size: 250,
        status: "cancelled",
        attempts: 0,
        reqMsgId: null,
        resultStatus: null,
        resultCode: null,
        resultMsg: null,
      },
    ]);
    // Resumed, the relay has nothing to send: a cancelled notification left queued would show in the backlog.
    await resume(ADMIN_KEY);
    await expectOutboxEmpty();
    expect(gateway.received).toEqual([]);
  });

  it("mid-job: batches in flight finish, the rest never leave; the gateway delivered exactly `succeeded`", async () => {
    const gateway = await TestGateway.install();
    gateway.latencyMs = 150;
    const { jobId } = await submit(3000);
    await until(() => gateway.received.length >= 2, 5_000, "the first sends");
    const res = await cancel(jobId);
    expect(res.status).toBe(200);
    expect((await res.json()) as { cancelled: number }).toMatchObject({ cancelled: expect.any(Number) });
    const job = await waitForJob(jobId);
    expect(job.status).toBe("completed");
    expect(job.cancelled).toBeGreaterThan(0);
    expect(job.succeeded + job.cancelled).toBe(3000);
    const delivered = [...gateway.deliveries().values()].reduce((n, c) => n + c, 0);
    expect(delivered).toBe(job.succeeded);
  });

  it("a completed job answers 409 job-completed; another caller's job 404; an admin may cancel any job", async () => {
    await TestGateway.install();
    const { jobId } = await submit(2);
    await waitForJob(jobId);
    const done = await cancel(jobId);
    expect(done.status).toBe(409);
    expect(await done.json()).toMatchObject({ code: "job-completed", job: { jobId, status: "completed" } });

    await pause(ADMIN_KEY);
    const waiting = await submit(5);
    expect((await cancel(waiting.jobId, OTHER_API_KEY)).status).toBe(404);
    expect((await cancel("job_0000000000000000000000")).status).toBe(404);
    expect((await getJob(waiting.jobId)).cancelled).toBe(0);
    const byAdmin = await cancel(waiting.jobId, ADMIN_KEY);
    expect(byAdmin.status).toBe(200);
    expect(await byAdmin.json()).toMatchObject({ cancelled: 5, status: "completed" });
  });
});

describe("POST /v1/pause and /v1/resume", () => {
  it("a caller key is refused (403), no key is 401; nothing is held", async () => {
    const refused = await pause(API_KEY, { reason: "not mine to pause" });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "forbidden" });
    expect((await relay("/v1/pause", { method: "POST", key: null })).status).toBe(401);
    expect((await resume(API_KEY)).status).toBe(403);
    expect((await relayStatus(ADMIN_KEY)).hold).toBeNull();
  });

  it("holds every send while accepted work queues; status and /healthz say why, who and since when; resume sends it", async () => {
    const gateway = await TestGateway.install();
    const before = Date.now();
    const res = await pause(ADMIN_KEY, { reason: "wrong template in the 09:00 job" });
    expect(res.status).toBe(200);
    const { hold } = (await res.json()) as { hold: { kind: string; reason: string; by: string; since: string } };
    expect(hold).toMatchObject({ kind: "paused", reason: "wrong template in the 09:00 job", nextProbeAt: null });
    expect(hold.by).toMatch(/^key:[0-9a-f]{64}$/);
    expect(JSON.stringify(hold)).not.toContain(ADMIN_KEY);
    expect(Date.parse(hold.since)).toBeGreaterThanOrEqual(before - 1000);

    const { jobId } = await submit(150);
    // Its wake-up comes now instead of after a sleep: the alarm runs, and the outbox still holds the whole
    // job, nothing on the wire. (That nothing leaves however long the pause lasts is proved on the fake clock.)
    await runInDurableObject(dispatcherStub(), (instance) => instance.alarm());
    const held = await relayStatus(ADMIN_KEY);
    expect(held.backlog).toMatchObject({ notifications: 150, queued: 150 });
    expect(held.inFlight).toBe(0);
    expect(await getJob(jobId)).toMatchObject({ status: "queued", pending: 150 }); // "queued" until a batch is attempted
    expect(gateway.received).toEqual([]);
    // A caller sees the hold and its reason, not who paused (an operator's owner id).
    expect((await relayStatus()).hold).toMatchObject({
      kind: "paused",
      reason: "wrong template in the 09:00 job",
      by: null,
    });
    expect((await relayStatus(ADMIN_KEY)).hold).toMatchObject({ kind: "paused", by: hold.by });
    const health = (await (await relay("/healthz", { key: ADMIN_KEY })).json()) as {
      status: string;
      degraded: { reason: string; detail: string }[];
    };
    expect(health.status).toBe("degraded");
    expect(health.degraded[0]).toMatchObject({ reason: "paused" });
    expect(health.degraded[0]?.detail).toContain("wrong template in the 09:00 job");
    expect(health.degraded[0]?.detail).toContain(hold.by);
    expect(((await (await relay("/healthz", { key: null })).json()) as { status: string }).status).toBe("degraded");

    const resumed = await resume(ADMIN_KEY);
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toEqual({ hold: null });
    expect(await waitForJob(jobId)).toMatchObject({ status: "completed", succeeded: 150 });
    expect(gateway.received.length).toBe(2);
  });

  it("an empty body pauses with a generic reason; a bad body is a 400 and pauses nothing", async () => {
    const bad = await pause(ADMIN_KEY, { reason: "" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "invalid-request" });
    expect((await relayStatus(ADMIN_KEY)).hold).toBeNull();
    const plain = await pause(ADMIN_KEY);
    expect(plain.status).toBe(200);
    expect(await plain.json()).toMatchObject({ hold: { kind: "paused", reason: "paused by an operator" } });
  });
});

describe("the OpenAPI document", () => {
  it("documents the controls and the submit fields where they are registered", () => {
    const doc = JSON.parse(JSON.stringify(openApiDocument(app))) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: {
        schemas: Record<string, { properties?: Record<string, { items?: { properties?: Record<string, unknown> } }> }>;
      };
    };
    expect(Object.keys(doc.paths["/v1/notifications/{jobId}"] ?? {})).toEqual(
      expect.arrayContaining(["get", "delete"]),
    );
    expect(Object.keys(doc.paths["/v1/notifications/{jobId}"]?.delete?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "404", "409"]),
    );
    expect(Object.keys(doc.paths["/v1/pause"]?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "401", "403"]),
    );
    expect(Object.keys(doc.paths["/v1/resume"]?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "401", "403"]),
    );
    const body = doc.components.schemas.SubmitBody?.properties ?? {};
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining(["sendAfter", "expiresAt", "onUnknown", "callbackUrl", "notifications"]),
    );
    expect(Object.keys(body.notifications?.items?.properties ?? {})).toContain("dedupKey");
  });
});
