/**
 * Operator controls and delivery policies end to end, real processes: the relay under `wrangler dev`
 * and the AlipayHK stand-in. What reaches the stand-in is the proof: nothing while paused, nothing of a
 * cancelled remainder, nothing before `sendAfter` or after `expiresAt`, no duplicate `dedupKey`, one
 * request per batch at-most-once; and the completion callback, signed, arrives again after failures.
 */
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeNotifications, type RelayClient, relayClient } from "../../dev/relay-client.ts";
import type { JobView } from "../../src/engine/api.ts";
import { until } from "../support/until.ts";
import { type E2eRun, startE2eRun } from "./e2e-helpers.ts";

const QUOTA = 10;
let e2e: E2eRun | undefined;
let client: RelayClient;

beforeAll(async () => {
  e2e = await startE2eRun({ maxRps: QUOTA, gatewayLimitRps: QUOTA, gateway: { latencyMs: 100 } });
  client = relayClient(e2e.run.relayUrl, e2e.run.apiKey);
}, 120_000);

afterAll(() => e2e?.stop(), 60_000);

beforeEach(() => {
  e2e!.run.gateway.configure({ faults: [] });
  e2e!.run.gateway.reset();
});

const iso = (ms: number) => new Date(ms).toISOString();

/** A request to the relay with the admin key (or `key`), JSON in and out. */
async function call(
  method: string,
  path: string,
  body?: unknown,
  key = e2e!.run.adminKey,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${e2e!.run.relayUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function submit(body: unknown): Promise<string> {
  const answer = await call("POST", "/v1/notifications", body, e2e!.run.apiKey);
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return answer.body.jobId as string;
}

/**
 * Asserts, from the relay's own counters, that it has nothing queued and nothing on the wire: from here on
 * the stand-in's counts cannot change, so they are final without waiting to see.
 */
async function expectIdle(): Promise<void> {
  const { status, body } = await call("GET", "/v1/status");
  expect(status).toBe(200);
  expect(body.backlog).toMatchObject({ notifications: 0, queued: 0 });
  expect(body.inFlight).toBe(0);
}

async function finished(jobId: string, timeoutMs = 30_000): Promise<JobView> {
  const { done, jobs } = await client.waitForJobs([jobId], timeoutMs, 100);
  expect(done).toBe(true);
  return jobs[0] as unknown as JobView;
}

describe("operator controls against the stand-in", () => {
  it("pause: no request reaches the stand-in while paused; resume sends the queued job", async () => {
    const { gateway } = e2e!.run;
    expect((await call("POST", "/v1/pause", { reason: "e2e pause" })).status).toBe(200);
    const jobId = await submit({ notifications: makeNotifications("pz", 300) });
    // The relay's own counters: the whole job queued, nothing handed out. (That nothing leaves however long
    // the pause lasts is proved on the fake clock, test/engine/breaker.test.ts.)
    const held = await call("GET", "/v1/status");
    expect(held.body.backlog).toMatchObject({ notifications: 300, queued: 300 });
    expect(held.body.inFlight).toBe(0);
    expect((await client.job(jobId)) as unknown).toMatchObject({ status: "queued", pending: 300 });
    expect(gateway.stats().requests).toBe(0);
    expect((await call("GET", "/healthz")).body).toMatchObject({
      status: "degraded",
      degraded: [{ reason: "paused" }],
    });
    expect((await call("POST", "/v1/resume")).status).toBe(200);
    expect(await finished(jobId)).toMatchObject({ succeeded: 300 });
    expect(gateway.stats().requests).toBe(3);
  }, 30_000);

  it("cancel mid-job: the stand-in's delivered count equals the job's succeeded", async () => {
    const { gateway } = e2e!.run;
    const jobId = await submit({ notifications: makeNotifications("cx", 3000) });
    await until(() => gateway.stats().requests >= 3, 10_000, "3 requests at the stand-in");
    const cancelled = await call("DELETE", `/v1/notifications/${jobId}`, undefined, e2e!.run.apiKey);
    expect(cancelled.status).toBe(200);
    const job = await finished(jobId);
    expect(job.cancelled).toBeGreaterThan(0);
    expect(job.succeeded + job.cancelled).toBe(3000);
    await expectIdle();
    expect(gateway.stats().deliveredCount).toBe(job.succeeded);
    expect((await call("DELETE", `/v1/notifications/${jobId}`, undefined, e2e!.run.apiKey)).status).toBe(409);
  }, 30_000);
});

describe("delivery policies against the stand-in", () => {
  it("sendAfter: nothing arrives early", async () => {
    const sendAfter = Date.now() + 1_500;
    const jobId = await submit({ sendAfter: iso(sendAfter), notifications: makeNotifications("sa", 200) });
    expect(await finished(jobId)).toMatchObject({ succeeded: 200 });
    expect(e2e!.run.gateway.stats().firstArrivalAt).toBeGreaterThanOrEqual(sendAfter);
  }, 30_000);

  it("expiresAt: nothing arrives after it", async () => {
    const expiresAt = Date.now() + 1_200;
    const jobId = await submit({ expiresAt: iso(expiresAt), notifications: makeNotifications("ex", 5000) });
    const job = await finished(jobId);
    const stats = e2e!.run.gateway.stats();
    expect(job.expired).toBeGreaterThan(0);
    expect(job.succeeded + job.expired).toBe(5000);
    expect(stats.lastArrivalAt).toBeLessThan(expiresAt);
    expect(stats.deliveredCount).toBe(job.succeeded);
  }, 30_000);

  it("dedupKey across two requests: the repeated key is not sent again", async () => {
    const [a, b, c] = makeNotifications("dk", 3);
    const first = await submit({
      notifications: [
        { ...a, dedupKey: "order-1" },
        { ...b, dedupKey: "order-2" },
      ],
    });
    await finished(first);
    const second = await submit({
      notifications: [
        { ...a, dedupKey: "order-1" },
        { ...c, dedupKey: "order-3" },
      ],
    });
    expect(await finished(second)).toMatchObject({ succeeded: 1, deduplicated: 1 });
    const delivered = e2e!.run.gateway.stats(true).deliveredByOpenId;
    expect(delivered).toEqual({ [a!.openId]: 1, [b!.openId]: 1, [c!.openId]: 1 });
  }, 30_000);

  it('onUnknown "fail" with a stand-in that answers U: one request per batch', async () => {
    e2e!.run.gateway.configure({ faults: [{ kind: "unknown", rate: 1 }] });
    const jobId = await submit({ onUnknown: "fail", notifications: makeNotifications("uf", 250) });
    expect(await finished(jobId)).toMatchObject({ failed: 250, succeeded: 0 });
    await expectIdle();
    expect(e2e!.run.gateway.stats().requests).toBe(3);
  }, 30_000);

  it("the callback: received, its signature verified independently, delivered again after the receiver fails twice", async () => {
    const calls: { id: string; timestamp: string; signature: string; body: string }[] = [];
    const receiver: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const h = req.headers;
        calls.push({
          id: String(h["webhook-id"]),
          timestamp: String(h["webhook-timestamp"]),
          signature: String(h["webhook-signature"]),
          body: Buffer.concat(chunks).toString("utf8"),
        });
        res.writeHead(calls.length <= 2 ? 500 : 204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const port = (receiver.address() as { port: number }).port;
    try {
      const jobId = await submit({
        callbackUrl: `http://127.0.0.1:${port}/done`,
        notifications: makeNotifications("cb", 3),
      });
      await finished(jobId);
      await until(
        () => calls.length >= 3,
        30_000,
        () => `three callback tries, got ${calls.length}`,
        100,
      );
      expect(calls).toHaveLength(3);
      expect(new Set(calls.map((c) => c.id)).size).toBe(1);
      // Signed with the submitting caller's own secret (derived from RELAY_CALLBACK_SECRET), as GET /v1/callback-secrets gives it.
      const { secrets } = (await call("GET", "/v1/callback-secrets", undefined, e2e!.run.apiKey)).body as {
        secrets: string[];
      };
      const key = Buffer.from(secrets[0]!.slice("whsec_".length), "base64");
      for (const c of calls) {
        const mac = createHmac("sha256", key).update(`${c.id}.${c.timestamp}.${c.body}`).digest("base64");
        expect(c.signature.split(" ")).toContain(`v1,${mac}`);
        expect(JSON.parse(c.body)).toMatchObject({ jobId, status: "completed", succeeded: 3 });
      }
      // The relay records the third try's 204 once it has read it.
      let view: JobView | undefined;
      const read = async () => (view = (await client.job(jobId)) as unknown as JobView);
      await until(
        async () => (await read()).callback?.status === "delivered",
        5_000,
        "the callback recorded delivered",
      );
      expect(view).toMatchObject({ callback: { status: "delivered", attempts: 3, lastError: null } });
      expect(calls).toHaveLength(3);
    } finally {
      receiver.close();
    }
  }, 60_000);
});
