/**
 * The HTTP contract of PRODUCT.md, endpoint by endpoint and error by error: shapes, status codes, stable
 * `code`s, RFC 9457 problem bodies, and that a refused request never queues anything.
 */
import { packBatches } from "../src/core/batch";
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { Dispatcher } from "../src/hosts/cloudflare/dispatcher";
import { app } from "../src/http/app";
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
  setting,
  submit,
  waitForJob,
} from "./support/relay";

const SECRETS = () => [
  API_KEY,
  OTHER_API_KEY,
  setting("RELAY_WEBHOOK_SECRET"),
  setting("RELAY_WEBHOOK_SECRET").slice("whsec_".length),
  // A line from the middle of the merchant's PEM private key: no part of it may ever be shown.
  setting("ALIPAY_PRIVATE_KEY").split("\n")[5] ?? "missing",
];

/** Checks an RFC 9457 answer and returns its body. */
async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: `urn:alipay-notify-relay:problem:${code}`, status, code });
  expect(typeof body.title).toBe("string");
  expect(typeof body.detail).toBe("string");
  for (const secret of SECRETS()) expect(JSON.stringify(body)).not.toContain(secret);
  return body;
}

/** Nothing was queued: no job, no batch, and nothing reached the gateway. */
async function expectNothingQueued(gateway: TestGateway): Promise<void> {
  const status = await relayStatus();
  expect(status.backlog).toMatchObject({ notifications: 0, queued: 0 });
  expect(status.recentJobs).toEqual([]);
  expect(gateway.received).toEqual([]);
}

/** Stores `count` one-notification batches that wait (sending is paused), seeded in the object itself. */
async function seedBacklog(count: number): Promise<void> {
  await runInDurableObject(dispatcherStub(), async (instance: Dispatcher) => {
    const batches = notifications(count, "seed").map(
      (n) => packBatches([{ ...n, templateValue: JSON.stringify(n.templateValue) }])[0]!,
    );
    await instance.pause("a seeded backlog that waits");
    // One caller alone may fill three quarters of the backlog (the last quarter is kept for callers within
    // their share): a second caller seeds the rest.
    const open = 15_000;
    const seeded = [
      await instance.submit({
        jobId: "job_seededbacklogseededbac",
        owner: "key:seed",
        bodyHash: "-",
        merchantId: "m",
        batches: batches.slice(0, open),
      }),
      ...(count > open
        ? [
            await instance.submit({
              jobId: "job_seededbacklogseededbad",
              owner: "key:seed-b",
              bodyHash: "-",
              merchantId: "m",
              batches: batches.slice(open),
            }),
          ]
        : []),
    ];
    expect(seeded.map((r) => r.kind)).toEqual(seeded.map(() => "created"));
  });
}

function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return relay("/v1/notifications", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
}

beforeEach(freshRelay);

describe("POST /v1/notifications accepted", () => {
  it("answers 202 with jobId, status, total, batches, an ETA and Location; the job is readable there", async () => {
    await TestGateway.install();
    const before = Date.now();
    const res = await relay("/v1/notifications", { method: "POST", json: { notifications: notifications(250) } });
    expect(res.status).toBe(202);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: "queued", total: 250, batches: 3 });
    expect(body.jobId).toMatch(/^job_[A-Za-z0-9_-]{22}$/);
    expect(res.headers.get("location")).toBe(`/v1/notifications/${body.jobId as string}`);
    // 3 batches at 20 per second.
    expect(body.estimatedSeconds).toBe(1);
    const eta = Date.parse(body.estimatedCompletionAt as string);
    expect(eta).toBeGreaterThanOrEqual(before + 1000);
    expect(eta).toBeLessThan(Date.now() + 1000 + 1000);

    const job = await waitForJob(body.jobId as string, 10_000);
    expect(job).toMatchObject({
      jobId: body.jobId,
      status: "completed",
      total: 250,
      succeeded: 250,
      failed: 0,
      pending: 0,
      failures: [],
    });
    // The requests it rode on, newest first: assembled at three slots, full while 100 or more were due.
    expect(job.batches.map((b) => b.size)).toEqual([50, 100, 100]);
    expect(job.batchesOmitted).toBe(0);
    for (const batch of job.batches) {
      expect(batch).toMatchObject({ status: "succeeded", attempts: 1, resultStatus: "S", resultCode: "SUCCESS" });
      expect(batch.reqMsgId).toMatch(/^\S{1,64}$/);
      expect(typeof batch.resultMsg).toBe("string");
    }
  }, 15_000);

  it("estimates completion from the backlog ahead and the pace", async () => {
    const gateway = await TestGateway.install();
    gateway.defaultFault = "hang"; // keep the first job's batches from draining while we measure
    const first = await submit(2000); // 20 batches: 1 s at 20 per second
    expect(first.estimatedSeconds).toBe(1);
    const second = await submit(6000, { prefix: "second" }); // 60 more: 80 ahead in all
    expect(second.estimatedSeconds).toBe(4);
    const eta = Date.parse(second.estimatedCompletionAt);
    expect(Math.abs(eta - (Date.now() + 4000))).toBeLessThan(1000);
    gateway.releaseHung();
  }, 10_000);

  it("accepts templateValue as a JSON string or an object and a merchantId of the caller's", async () => {
    const gateway = await TestGateway.install();
    const res = await relay("/v1/notifications", {
      method: "POST",
      json: {
        merchantId: "2160400000009999",
        notifications: [
          { openId: "u-string", templateCode: "T", templateValue: '{"a":"b"}' },
          { openId: "u-object", templateCode: "T", templateValue: { a: "b" } },
        ],
      },
    });
    expect(res.status).toBe(202);
    const job = await waitForJob(((await res.json()) as { jobId: string }).jobId, 5_000);
    expect(job).toMatchObject({ status: "completed", merchantId: "2160400000009999", succeeded: 2 });
    // This job's own requests (a sender of the previous test may still have held one for its slot).
    expect(gateway.received.filter((r) => r.openIds.includes("u-string"))).toHaveLength(1);
  }, 10_000);
});

describe("POST /v1/notifications refused", () => {
  it("400 invalid-request lists every bad element with its index and field, and queues nothing", async () => {
    const gateway = await TestGateway.install();
    const good = notifications(5);
    const res = await relay("/v1/notifications", {
      method: "POST",
      json: {
        notifications: [
          good[0],
          { openId: 5, templateCode: "", templateValue: "not json" },
          good[1],
          { openId: "x", templateCode: "T", templateValue: {}, colour: "red" },
          { templateCode: "T", templateValue: { a: 1 } },
          { openId: "y", templateCode: "T", templateValue: { text: "x".repeat(300) } },
          good[2],
        ],
      },
    });
    const body = await expectProblem(res, 400, "invalid-request");
    const errors = body.errors as { index: number; field: string; problem: string }[];
    expect(errors.map((e) => [e.index, e.field])).toEqual([
      [1, "openId"],
      [1, "templateCode"],
      [1, "templateValue"],
      [3, "colour"],
      [4, "openId"],
      [5, "(element)"],
    ]);
    for (const error of errors) expect(error.problem.length).toBeGreaterThan(0);
    await expectNothingQueued(gateway);
  });

  it("400 invalid-request for a bad outer shape or merchantId, and queues nothing", async () => {
    const gateway = await TestGateway.install();
    const cases: [unknown, string][] = [
      [[], "(body)"],
      [{ notifications: [] }, "notifications"],
      [{ notifications: "no" }, "notifications"],
      [{ notifications: notifications(1), extra: true }, "extra"],
      [{ merchantId: "m".repeat(65), notifications: notifications(1) }, "merchantId"],
      [{ merchantId: 42, notifications: notifications(1) }, "merchantId"],
    ];
    for (const [json, field] of cases) {
      const body = await expectProblem(
        await relay("/v1/notifications", { method: "POST", json }),
        400,
        "invalid-request",
      );
      const errors = body.errors as { field: string }[];
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.map((e) => e.field)).toContain(field);
    }
    await expectNothingQueued(gateway);
  });

  it("400 malformed-json, and queues nothing", async () => {
    const gateway = await TestGateway.install();
    await expectProblem(await post('{"notifications": ['), 400, "malformed-json");
    await expectProblem(await post(""), 400, "malformed-json");
    await expectNothingQueued(gateway);
  });

  it("400 invalid-idempotency-key for a key that is not 1..255 visible ASCII characters", async () => {
    const gateway = await TestGateway.install();
    const body = JSON.stringify({ notifications: notifications(1) });
    await expectProblem(await post(body, { "idempotency-key": "has space" }), 400, "invalid-idempotency-key");
    await expectProblem(await post(body, { "idempotency-key": "k".repeat(256) }), 400, "invalid-idempotency-key");
    await expectNothingQueued(gateway);
  });

  it("413 payload-too-large, whether the length is declared or the body streams without one", async () => {
    const gateway = await TestGateway.install();
    const limit = 16 * 1024 * 1024;
    await expectProblem(await post("x".repeat(limit + 1)), 413, "payload-too-large");
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > limit) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await relay("/v1/notifications", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json" },
    });
    await expectProblem(res, 413, "payload-too-large");
    await expectNothingQueued(gateway);
  }, 20_000);

  it("413 too-many-notifications above the per-request limit (10,000), with the limit", async () => {
    const gateway = await TestGateway.install();
    const res = await relay("/v1/notifications", { method: "POST", json: { notifications: notifications(10_001) } });
    const body = await expectProblem(res, 413, "too-many-notifications");
    expect(body.limit).toBe(10_000);
    await expectNothingQueued(gateway);
  }, 10_000);

  it("415 unsupported-media-type without application/json", async () => {
    const gateway = await TestGateway.install();
    const body = JSON.stringify({ notifications: notifications(1) });
    await expectProblem(await post(body, { "content-type": "text/plain" }), 415, "unsupported-media-type");
    await expectProblem(await relay("/v1/notifications", { method: "POST", body }), 415, "unsupported-media-type");
    // Parameters and +json types are JSON too.
    expect((await post(body, { "content-type": "application/json; charset=UTF-8" })).status).toBe(202);
    expect(
      (await post(body, { "content-type": "application/vnd.shop+json", "idempotency-key": "plus-json" })).status,
    ).toBe(202);
    expect(gateway.received.length).toBeLessThanOrEqual(2);
  });

  it("401 unauthorized for a missing, unknown or malformed key, on every /v1 route", async () => {
    const gateway = await TestGateway.install();
    const body = JSON.stringify({ notifications: notifications(1) });
    const variants: (Record<string, string> | null)[] = [
      null,
      { authorization: "Bearer test-key-charlie-0123456789" },
      { authorization: `Basic ${API_KEY}` },
      { authorization: "Bearer" },
      { authorization: `Bearer ${API_KEY} extra` },
    ];
    for (const headers of variants) {
      const init = { key: null, headers: headers ?? {} };
      const routes = [
        relay("/v1/notifications", {
          ...init,
          method: "POST",
          body,
          headers: { ...init.headers, "content-type": "application/json" },
        }),
        relay("/v1/notifications/job_AAAAAAAAAAAAAAAAAAAAAA", init),
        relay("/v1/status", init),
      ];
      for (const res of await Promise.all(routes)) {
        await expectProblem(res, 401, "unauthorized");
        expect(res.headers.get("www-authenticate")).toBe("Bearer");
      }
    }
    await expectNothingQueued(gateway);
  });

  it("404 not-found for an unknown job, a malformed id, someone else's job and an unknown route, all alike", async () => {
    await TestGateway.install();
    const mine = await submit(1);
    const details = new Set<unknown>();
    for (const res of [
      await relay("/v1/notifications/job_AAAAAAAAAAAAAAAAAAAAAA"),
      await relay("/v1/notifications/not-a-job-id"),
      await relay(`/v1/notifications/${mine.jobId}`, { key: OTHER_API_KEY }),
    ]) {
      details.add((await expectProblem(res, 404, "not-found")).detail);
    }
    // Another caller's job and no job at all cannot be told apart.
    expect(details.size).toBe(1);
    await expectProblem(await relay("/v1/nothing-here"), 404, "not-found");
    expect((await relay(`/v1/notifications/${mine.jobId}`)).status).toBe(200);
  });

  it("422 idempotency-key-reused for the same key with a different body", async () => {
    await TestGateway.install();
    const headers = { "idempotency-key": "order-1" };
    const first = await submit(2, { headers });
    const res = await relay("/v1/notifications", {
      method: "POST",
      headers,
      json: { notifications: notifications(3) },
    });
    await expectProblem(res, 422, "idempotency-key-reused");
    const status = await relayStatus();
    expect(status.recentJobs.map((j) => j.jobId)).toEqual([first.jobId]);
  });

  it("429 backlog-full with Retry-After from the pace once the backlog would pass its bound; nothing half-queued", async () => {
    await TestGateway.install();
    const bound = 20_000; // RELAY_MAX_BACKLOG_BATCHES default
    await seedBacklog(bound - 10);

    // 11 batches would make 20,001: refused, 1 batch over at 20 per second → retry in 1 s.
    const over = await relay("/v1/notifications", { method: "POST", json: { notifications: notifications(1100) } });
    const problem = await expectProblem(over, 429, "backlog-full");
    expect(over.headers.get("retry-after")).toBe("1");
    expect(problem.retryAfterSeconds).toBe(1);
    expect((await relayStatus(ADMIN_KEY)).backlog.queued).toBe(bound - 10);
    const status = await relayStatus();
    expect(status.backlog.queued).toBe(0); // a caller's status shows its own backlog
    expect(status.recentJobs).toEqual([]); // the seeded jobs are other owners'; nothing of ours was queued

    // 10 runs of 100 fill it exactly (within this caller's share, a third of the cap): accepted, with an
    // ETA at its share of each request (a third, next to the two seeded callers' backlogs: 1,000
    // notifications at 33 places × 20 requests per second).
    const fits = await submit(1000);
    expect(fits.estimatedSeconds).toBe(2);
  }, 20_000);

  it("429 Retry-After counts what must leave first by its size: 100 seeded runs of one notification each fill one request → 1 s", async () => {
    await TestGateway.install();
    await seedBacklog(20_000);
    const res = await relay("/v1/notifications", { method: "POST", json: { notifications: notifications(10_000) } });
    await expectProblem(res, 429, "backlog-full");
    // (How it grows with the work asked for and what is due is the engine's fake-clock test, backlog-share.test.ts.)
    expect(res.headers.get("retry-after")).toBe("1");
    expect((await relayStatus(ADMIN_KEY)).backlog.queued).toBe(20_000);
  }, 20_000);
});

describe("bad input and failures inside", () => {
  it("odd bodies are 400s, never a 500, and queue nothing", async () => {
    const gateway = await TestGateway.install();
    const bodies = [
      "null",
      '"text"',
      "42",
      '{"notifications": null}',
      '{"notifications": [null, 1, "x", []]}',
      '{"notifications": [{"openId": {}, "templateCode": [], "templateValue": 1e400}]}',
      '{"notifications": [{"openId": "u", "templateCode": "T", "templateValue": "[1,2]"}]}',
      '{"notifications": [{"openId": "u", "templateCode": "T", "templateValue": {}, "__proto__": {"x": 1}}]}',
      `{"notifications": [{"openId": "u", "templateCode": "T", "templateValue": ${"[".repeat(5000)}${"]".repeat(5000)}}]}`,
      '{"notifications": [{"openId": "\ud800", "templateCode": "T", "templateValue": {"a": "\u0000"}}], "merchantId": ""}',
    ];
    for (const body of bodies) {
      const res = await post(body);
      expect(res.status, body.slice(0, 60)).toBe(400);
      expect(["invalid-request", "malformed-json"]).toContain(((await res.json()) as { code: string }).code);
    }
    await expectNothingQueued(gateway);
  });

  it("a body that is not valid UTF-8 is a 400, not silently repaired", async () => {
    const gateway = await TestGateway.install();
    const bytes = new TextEncoder().encode(
      '{"notifications": [{"openId": "u", "templateCode": "T", "templateValue": "{}"}]}',
    );
    const broken = new Uint8Array([...bytes.slice(0, 30), 0xff, 0xfe, ...bytes.slice(30)]);
    const res = await relay("/v1/notifications", {
      method: "POST",
      body: broken,
      headers: { "content-type": "application/json" },
    });
    const body = await expectProblem(res, 400, "malformed-json");
    expect(body.detail).toMatch(/UTF-8/);
    await expectNothingQueued(gateway);
  });

  it("503 unavailable with Retry-After when the dispatcher does not answer a submit", async () => {
    vi.spyOn(Dispatcher.prototype, "submit").mockImplementation(() => {
      throw new Error("object overloaded");
    });
    const res = await relay("/v1/notifications", { method: "POST", json: { notifications: notifications(1) } });
    const body = await expectProblem(res, 503, "unavailable");
    expect(res.headers.get("retry-after")).toBe("1");
    expect(body.detail).toMatch(/Idempotency-Key/);
  });

  it("an unexpected error is a generic 500 internal-error that shows nothing of it", async () => {
    vi.spyOn(Dispatcher.prototype, "getJob").mockImplementation(() => {
      throw new Error("sqlite: disk I/O error at /var/secret/path");
    });
    const res = await relay("/v1/notifications/job_AAAAAAAAAAAAAAAAAAAAAA");
    const body = await expectProblem(res, 500, "internal-error");
    expect(JSON.stringify(body)).not.toMatch(/sqlite|secret/);
  });
});

describe("GET /v1/status and /healthz", () => {
  it("/v1/status shows an admin key the settings and live figures, no secret; a caller's key no settings", async () => {
    await TestGateway.install();
    const job = await submit(150);
    await waitForJob(job.jobId, 5_000);
    expect(await (await relay("/v1/status")).json()).not.toHaveProperty("relay");
    const res = await relay("/v1/status", { key: ADMIN_KEY });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const secret of SECRETS()) expect(text).not.toContain(secret);
    const status = JSON.parse(text) as Record<string, unknown>;
    expect(status).toMatchObject({
      relay: { ALIPAY_MAX_RPS: 20, RELAY_API_KEYS: 2, RELAY_ADMIN_KEYS: 1, RELAY_WEBHOOK_SECRET: 1 },
      pace: { configuredRps: 20, liveRps: 20 },
      backlog: { notifications: 0, queued: 0, etaSeconds: 0 },
      inFlight: 0,
      results: { SUCCESS: 2 },
    });
  });

  it("/healthz answers only its status without an admin key (a caller's key included), details with one, never a secret", async () => {
    for (const key of [null, API_KEY]) {
      const res = await relay("/healthz", { key });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ok" });
    }
    const res = await relay("/healthz", { key: ADMIN_KEY });
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({
      status: "ok",
      relay: { ALIPAY_CLIENT_ID: setting("ALIPAY_CLIENT_ID"), ALIPAY_MAX_RPS: 20 },
    });
    for (const secret of SECRETS()) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/PRIVATE KEY|whsec_/);
  });

  it("/healthz names a bad setting to an admin (503); /v1 answers 503 not-configured naming none, to anyone", async () => {
    const broken = { ...env, ALIPAY_MAX_RPS: "fast", RELAY_MAX_ATTEMPTS: "0" } as unknown as Env;
    const anonymous = await app.request("/healthz", {}, broken);
    expect(anonymous.status).toBe(503);
    expect(await anonymous.json()).toEqual({ status: "misconfigured" });
    const health = await app.request("/healthz", { headers: { authorization: `Bearer ${ADMIN_KEY}` } }, broken);
    expect(health.status).toBe(503);
    const text = await health.text();
    const settings = (JSON.parse(text) as { errors: { setting: string }[] }).errors.map((e) => e.setting);
    expect(settings).toEqual(["ALIPAY_MAX_RPS", "RELAY_MAX_ATTEMPTS"]);
    for (const secret of SECRETS()) expect(text).not.toContain(secret);

    for (const headers of [{ authorization: `Bearer ${API_KEY}` }, {} as Record<string, string>]) {
      const res = await app.request("/v1/status", { headers }, broken);
      const body = await expectProblem(res, 503, "not-configured");
      expect(body).not.toHaveProperty("settings");
      expect(JSON.stringify(body)).not.toMatch(/ALIPAY_MAX_RPS|RELAY_MAX_ATTEMPTS|fast/);
    }
  });
});
