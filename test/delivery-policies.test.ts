/**
 * The delivery policies end to end, inside workerd against the in-test gateway: what reaches AlipayHK
 * (and when), what the job says, and the completion callback as a receiver sees it. The decisions
 * themselves are proved on the fake clock in test/engine/.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { JobView } from "../src/engine/api";
import { TestGateway } from "./support/gateway";
import { freshRelay, getJob, notifications, relay, relayStatus, setting, waitForJob } from "./support/relay";
import { until } from "./support/until";

beforeEach(freshRelay);

async function post(json: unknown): Promise<Response> {
  return relay("/v1/notifications", { method: "POST", json });
}

async function accepted(json: unknown): Promise<{ jobId: string; estimatedSeconds: number }> {
  const res = await post(json);
  if (res.status !== 202) throw new Error(`expected 202, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as { jobId: string; estimatedSeconds: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

describe("sendAfter and expiresAt", () => {
  it("sendAfter: nothing arrives before it, and the ETA counts from it", async () => {
    const gateway = await TestGateway.install();
    const sendAfter = Date.now() + 1_500;
    const { jobId, estimatedSeconds } = await accepted({
      sendAfter: iso(sendAfter),
      notifications: notifications(120),
    });
    expect(estimatedSeconds).toBeGreaterThanOrEqual(1);
    const job = await waitForJob(jobId, 10_000);
    expect(job).toMatchObject({ status: "completed", succeeded: 120, sendAfter: iso(sendAfter) });
    // Stamped by the gateway on arrival: the first request came at sendAfter or later, none before.
    expect(gateway.received).toHaveLength(2);
    expect(Math.min(...gateway.received.map((r) => r.at))).toBeGreaterThanOrEqual(sendAfter);
  });

  it("expiresAt: nothing arrives after it; what was not started ends expired", async () => {
    const gateway = await TestGateway.install();
    const expiresAt = Date.now() + 800;
    const { jobId } = await accepted({ expiresAt: iso(expiresAt), notifications: notifications(6000) });
    const job = await waitForJob(jobId, 10_000);
    expect(job.status).toBe("completed");
    expect(job.expired).toBeGreaterThan(0);
    expect(job.succeeded + job.expired).toBe(6000);
    expect(Math.max(...gateway.received.map((r) => r.at))).toBeLessThan(expiresAt);
    expect(job.succeeded).toBe(gateway.received.length * 100);
  });
});

describe("dedupKey and onUnknown", () => {
  it("a dedupKey accepted in an earlier request is not sent again: deduplicated", async () => {
    const gateway = await TestGateway.install();
    const [a, b, c] = notifications(3, "dedup");
    const first = await accepted({
      notifications: [
        { ...a, dedupKey: "order-1" },
        { ...b, dedupKey: "order-2" },
      ],
    });
    await waitForJob(first.jobId);
    const second = await accepted({
      notifications: [
        { ...a, dedupKey: "order-1" },
        { ...c, dedupKey: "order-3" },
        { ...c, dedupKey: "order-3" },
      ],
    });
    const job = await waitForJob(second.jobId);
    expect(job).toMatchObject({ status: "completed", total: 3, succeeded: 1, deduplicated: 2, failures: [] });
    expect(gateway.received.map((r) => r.openIds)).toEqual([[a?.openId, b?.openId], [c?.openId]]);
  });

  it('onUnknown "fail" against a gateway that answers U: one request per batch, the batch failed with that code', async () => {
    const gateway = await TestGateway.install();
    gateway.defaultFault = "unknown";
    const { jobId } = await accepted({ onUnknown: "fail", notifications: notifications(250) });
    const job = await waitForJob(jobId);
    expect(job).toMatchObject({ status: "completed", failed: 250, onUnknown: "fail" });
    expect(gateway.received).toHaveLength(3);
    expect(new Set(job.batches.map((b) => b.attempts))).toEqual(new Set([1]));
  });
});

describe("the submit fields are checked with the rest of the body", () => {
  it("every bad policy is listed, with the notifications' own problems, and nothing is queued", async () => {
    const gateway = await TestGateway.install();
    const now = Date.now();
    const [good] = notifications(1);
    const cases: [unknown, { index?: number; field: string }[]][] = [
      [{ expiresAt: iso(now - 1000), notifications: [good] }, [{ field: "expiresAt" }]],
      [{ sendAfter: iso(now + 60_000), expiresAt: iso(now + 30_000), notifications: [good] }, [{ field: "expiresAt" }]],
      [{ sendAfter: "tomorrow", notifications: [good] }, [{ field: "sendAfter" }]],
      [{ onUnknown: "maybe", notifications: [good] }, [{ field: "onUnknown" }]],
      [{ callbackUrl: "http://shop.example/done", notifications: [good] }, [{ field: "callbackUrl" }]],
      [{ callbackUrl: "https://user:pw@shop.example/done", notifications: [good] }, [{ field: "callbackUrl" }]],
      // Inside addresses, however written: without RELAY_CALLBACK_ALLOW_LOCAL none is a callback's destination.
      ...[
        "http://127.0.0.1:8787/internal/admin?x=1",
        "https://127.0.0.1:8787/internal/admin",
        "https://169.254.169.254/",
        "https://10.0.0.1/",
        "https://[fd00::1]/",
        "https://[::ffff:a9fe:a9fe]/",
        "https://0.0.0.0:8787/",
        "https://localhost/",
      ].map((callbackUrl): [unknown, { field: string }[]] => [
        { callbackUrl, notifications: [good] },
        [{ field: "callbackUrl" }],
      ]),
      [
        {
          notifications: [
            { ...good, dedupKey: "" },
            { ...good, templateCode: "", dedupKey: "x".repeat(129) },
          ],
        },
        [
          { index: 0, field: "dedupKey" },
          { index: 1, field: "templateCode" },
          { index: 1, field: "dedupKey" },
        ],
      ],
    ];
    for (const [body, expected] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const problem = (await res.json()) as { code: string; errors: { index?: number; field: string }[] };
      expect(problem.code).toBe("invalid-request");
      expect(
        problem.errors.map((e) => ({ ...(e.index !== undefined ? { index: e.index } : {}), field: e.field })),
      ).toEqual(expected);
    }
    expect((await relayStatus()).recentJobs).toEqual([]);
    expect(gateway.received).toEqual([]);
  });
});

describe("the completion callback", () => {
  it("is POSTed when the job completes, signed (verified here independently), and delivered again after the receiver fails twice", async () => {
    const gateway = await TestGateway.install();
    const calls: { id: string; timestamp: string; signature: string; body: string }[] = [];
    gateway.elsewhere = async (request) => {
      const h = request.headers;
      calls.push({
        id: h.get("webhook-id") ?? "",
        timestamp: h.get("webhook-timestamp") ?? "",
        signature: h.get("webhook-signature") ?? "",
        body: await request.text(),
      });
      return new Response(null, { status: calls.length <= 2 ? 500 : 204 });
    };
    const { jobId } = await accepted({
      callbackUrl: "https://shop.example/relay-done",
      notifications: notifications(3),
    });
    await waitForJob(jobId);
    // The real backoff (2.5..5 s, then 5..10 s; its curve is proved on the fake clock) runs its course.
    await until(() => calls.length === 3, 25_000, "three tries");
    await until(async () => (await getJob(jobId)).callback?.status === "delivered", 5_000, "delivered");
    expect((await getJob(jobId)).callback).toEqual({ status: "delivered", attempts: 3, lastError: null });

    expect(new Set(calls.map((c) => c.id)).size).toBe(1);
    // Signed with this caller's own secret (GET /v1/callback-secrets), not with RELAY_CALLBACK_SECRET itself.
    const { secrets } = (await (await relay("/v1/callback-secrets")).json()) as { secrets: string[] };
    expect(secrets).toHaveLength(1);
    for (const call of calls) {
      expect(await independentlyVerified(call, secrets[0]!)).toBe(true);
      expect(await independentlyVerified(call, setting("RELAY_CALLBACK_SECRET"))).toBe(false);
      const document = JSON.parse(call.body) as JobView;
      expect(document).toMatchObject({ jobId, status: "completed", succeeded: 3, total: 3 });
    }
  }, 40_000);
});

describe("a failed callback try", () => {
  it("reports a class (`http-4xx`, `http-5xx`, `network`), never a status line or the runtime's text", async () => {
    const gateway = await TestGateway.install();
    const tries: string[] = [];
    gateway.elsewhere = async (request) => {
      const host = new URL(request.url).hostname;
      tries.push(host);
      if (host === "gone.shop.example") return new Response("no such hook", { status: 404 });
      if (host === "down.shop.example") return new Response("<html>Bad gateway</html>", { status: 502 });
      throw new TypeError("connect ECONNREFUSED 10.9.8.7:6379 (internal text)");
    };
    const jobs: Record<string, string> = {};
    for (const host of ["gone", "down", "closed"]) {
      jobs[host] = (
        await accepted({ callbackUrl: `https://${host}.shop.example/done`, notifications: notifications(1) })
      ).jobId;
    }
    for (const jobId of Object.values(jobs)) await waitForJob(jobId);
    const recorded = async () =>
      (await Promise.all(Object.values(jobs).map((jobId) => getJob(jobId)))).every(
        (job) => (job.callback?.attempts ?? 0) >= 1,
      );
    await until(recorded, 10_000, "a first try to each receiver, recorded");
    const lastErrors = await Promise.all(
      Object.values(jobs).map(async (jobId) => (await getJob(jobId)).callback?.lastError),
    );
    expect(lastErrors).toEqual(["http-4xx", "http-5xx", "network"]);
  }, 20_000);
});

/** Standard Webhooks v1 checked with WebCrypto alone: HMAC-SHA256 of `id.timestamp.body` under the secret's bytes. */
async function independentlyVerified(
  call: { id: string; timestamp: string; signature: string; body: string },
  secret: string,
): Promise<boolean> {
  const keyBytes = Uint8Array.from(atob(secret.slice("whsec_".length)), (ch) => ch.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${call.id}.${call.timestamp}.${call.body}`)),
  );
  const expected = `v1,${btoa(String.fromCharCode(...mac))}`;
  return call.signature.split(" ").includes(expected);
}
