/**
 * Who may do what: bearer keys, Standard Webhooks signatures (tolerance, several signatures, replays),
 * and job isolation — a job is visible only to the credential that created it, under an unguessable id.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { DispatcherStatus } from "../src/engine/api";
import { app } from "../src/http/app";
import { parseWebhookSecret, signWebhook } from "../src/security/webhook";
import { TestGateway } from "./support/gateway";
import {
  ADMIN_KEY,
  API_KEY,
  expectOutboxEmpty,
  freshRelay,
  notifications,
  OTHER_API_KEY,
  relay,
  relayStatus,
  setting,
  submit,
  waitForJob,
} from "./support/relay";

const secret = (): Uint8Array => {
  const bytes = parseWebhookSecret(setting("RELAY_WEBHOOK_SECRET"));
  if (!bytes) throw new Error("test webhook secret did not parse");
  return bytes;
};

/** Standard Webhooks headers for `body`, signed with the configured secret unless told otherwise. */
function webhookHeaders(
  body: string,
  options: { id?: string; timestamp?: number; signature?: string; key?: Uint8Array } = {},
): Record<string, string> {
  const id = options.id ?? `msg_${crypto.randomUUID()}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = options.signature ?? signWebhook({ id, timestamp, body, secret: options.key ?? secret() });
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature };
}

function postSigned(body: BodyInit, headers: Record<string, string>): Promise<Response> {
  return relay("/v1/notifications", {
    method: "POST",
    key: null,
    body,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** `/v1/status` as an operator sees it (every caller's jobs): webhook callers cannot read, so this is how their jobs show. */
async function webhookStatus(): Promise<DispatcherStatus> {
  const res = await relay("/v1/status", { key: ADMIN_KEY });
  expect(res.status).toBe(200);
  return (await res.json()) as DispatcherStatus;
}

async function expectUnauthorized(res: Response): Promise<string> {
  expect(res.status).toBe(401);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as { code: string; detail: string };
  expect(body.code).toBe("unauthorized");
  return body.detail;
}

beforeEach(freshRelay);

describe("bearer keys", () => {
  it("accepts each configured key, and only those", async () => {
    await TestGateway.install();
    const mine = await submit(1, { key: API_KEY });
    const theirs = await submit(1, { key: OTHER_API_KEY });
    expect([mine.status, theirs.status]).toEqual(["queued", "queued"]);
    // The scheme is case-insensitive (RFC 9110 §11.1).
    const lower = await relay("/v1/status", { headers: { authorization: `bearer ${API_KEY}` } });
    expect(lower.status).toBe(200);
    // A prefix or extension of a real key is not a key.
    await expectUnauthorized(await relay("/v1/status", { key: API_KEY.slice(0, -1) }));
    await expectUnauthorized(await relay("/v1/status", { key: `${API_KEY}0` }));
    // Both jobs finish here: a sender still holding a batch for its slot must not leak into the next test.
    expect((await waitForJob(mine.jobId, 5_000, API_KEY)).status).toBe("completed");
    expect((await waitForJob(theirs.jobId, 5_000, OTHER_API_KEY)).status).toBe("completed");
  });
});

describe("Standard Webhooks signatures", () => {
  it("accepts a signed POST; signed headers cannot read (captured headers read nothing), a caller's key cannot, an admin key can", async () => {
    const gateway = await TestGateway.install();
    const body = JSON.stringify({ notifications: notifications(3) });
    const res = await postSigned(body, webhookHeaders(body));
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    for (const path of [`/v1/notifications/${jobId}`, "/v1/status"]) {
      const read = await relay(path, { key: null, headers: webhookHeaders("") });
      expect(read.status).toBe(401);
      expect(((await read.json()) as { detail: string }).detail).toMatch(/POST \/v1\/notifications only/);
    }
    // A bearer key is another caller: it cannot see the webhook's job; an operator's key sees every job.
    expect((await relay(`/v1/notifications/${jobId}`)).status).toBe(404);
    const job = await waitForJob(jobId, 5_000, ADMIN_KEY);
    expect(job.total).toBe(3);
    expect(gateway.received.map((r) => r.openIds.length)).toEqual([3]);
  });

  it("checks the webhook headers and timestamp before reading the body", async () => {
    let pulled = false;
    const body = new ReadableStream(
      {
        pull(controller) {
          pulled = true;
          controller.enqueue(new TextEncoder().encode("{}"));
          controller.close();
        },
      },
      { highWaterMark: 0 },
    ); // nothing is pulled until someone reads
    const stale = webhookHeaders("{}", { timestamp: Math.floor(Date.now() / 1000) - 301 });
    // Straight into the app: across the Worker boundary the runtime would pull the stream itself.
    const request = new Request("https://relay.test/v1/notifications", {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...stale },
    });
    const res = await app.fetch(request, env);
    expect(res.status).toBe(401);
    expect(pulled).toBe(false);
  });

  it("accepts a header with several signatures when any one matches (key rotation)", async () => {
    await TestGateway.install();
    const body = JSON.stringify({ notifications: notifications(1) });
    const id = "msg_rotation";
    const timestamp = Math.floor(Date.now() / 1000);
    const old = signWebhook({ id, timestamp, body, secret: new Uint8Array(24).fill(7) });
    const current = signWebhook({ id, timestamp, body, secret: secret() });
    const res = await postSigned(body, webhookHeaders(body, { id, timestamp, signature: `${old} ${current}` }));
    expect(res.status).toBe(202);
  });

  it("refuses a timestamp more than 5 minutes away, either way", async () => {
    const gateway = await TestGateway.install();
    const body = JSON.stringify({ notifications: notifications(1) });
    const now = Math.floor(Date.now() / 1000);
    expect(await expectUnauthorized(await postSigned(body, webhookHeaders(body, { timestamp: now - 301 })))).toMatch(
      /5 minutes/,
    );
    expect(await expectUnauthorized(await postSigned(body, webhookHeaders(body, { timestamp: now + 301 })))).toMatch(
      /5 minutes/,
    );
    // Inside the tolerance it is fine.
    expect((await postSigned(body, webhookHeaders(body, { timestamp: now - 290 }))).status).toBe(202);
    expect((await webhookStatus()).recentJobs).toHaveLength(1);
    expect(gateway.received.length).toBeLessThanOrEqual(1);
  });

  it("refuses a bad signature, a signature over another body, a wrong secret and missing headers", async () => {
    const gateway = await TestGateway.install();
    const body = JSON.stringify({ notifications: notifications(1) });
    const other = JSON.stringify({ notifications: notifications(2) });
    const good = webhookHeaders(body);
    const flipped = `v1,${good["webhook-signature"]!.slice(3, 10)}${good["webhook-signature"]![10] === "A" ? "B" : "A"}${good["webhook-signature"]!.slice(11)}`;
    expect(await expectUnauthorized(await postSigned(body, { ...good, "webhook-signature": flipped }))).toMatch(
      /signature/,
    );
    expect(await expectUnauthorized(await postSigned(other, webhookHeaders(body)))).toMatch(/signature/);
    expect(
      await expectUnauthorized(await postSigned(body, webhookHeaders(body, { key: new Uint8Array(32).fill(1) }))),
    ).toMatch(/signature/);
    const { "webhook-id": _id, ...noId } = webhookHeaders(body);
    await expectUnauthorized(await postSigned(body, noId));
    await expectUnauthorized(await postSigned(body, { ...webhookHeaders(body), "webhook-signature": "v1" }));
    expect((await webhookStatus()).recentJobs).toEqual([]);
    expect(gateway.received).toEqual([]);
  });

  it("a replayed webhook-id: the same body gets its job back (nothing resent), another body 409 webhook-replayed", async () => {
    const gateway = await TestGateway.install();
    const body = JSON.stringify({ notifications: notifications(2) });
    const headers = webhookHeaders(body, { id: "msg_once" });
    const first = await postSigned(body, headers);
    expect(first.status).toBe(202);
    const { jobId } = (await first.json()) as { jobId: string };
    // A sender whose answer was lost retries with the same id and body: it learns its job, nothing is queued twice.
    const retry = await postSigned(body, headers);
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(((await retry.json()) as { jobId: string }).jobId).toBe(jobId);
    // The same id freshly signed over another body is a replay.
    const other = JSON.stringify({ notifications: notifications(5, "other") });
    const replay = await postSigned(other, webhookHeaders(other, { id: "msg_once" }));
    expect(replay.status).toBe(409);
    expect(replay.headers.get("content-type")).toBe("application/problem+json");
    expect(((await replay.json()) as { code: string }).code).toBe("webhook-replayed");
    expect((await webhookStatus()).recentJobs.map((j) => j.jobId)).toEqual([jobId]);
    expect((await waitForJob(jobId, 5_000, ADMIN_KEY)).status).toBe("completed");
    await expectOutboxEmpty();
    expect(gateway.deliveries().size).toBe(2);
    expect([...gateway.deliveries().values()].every((n) => n === 1)).toBe(true);
  });

  it("a webhook caller gets the acceptance only: Prefer: wait, first or replayed, never answers with the job document", async () => {
    await TestGateway.install();
    const body = JSON.stringify({ notifications: notifications(2) });
    const headers = { ...webhookHeaders(body, { id: "msg_wait" }), prefer: "wait=10" };
    const first = await postSigned(body, headers);
    const { jobId } = (await first.json()) as { jobId: string };
    await waitForJob(jobId, 5_000, ADMIN_KEY);
    // Replayed by anyone who saw the request, with the job now complete: still no document.
    const replay = await postSigned(body, headers);
    for (const res of [first, replay]) {
      expect(res.status).toBe(202);
      expect(res.headers.get("preference-applied")).toBeNull();
    }
    const accepted = (await replay.json()) as Record<string, unknown>;
    expect(Object.keys(accepted).sort()).toEqual([
      "batches",
      "estimatedCompletionAt",
      "estimatedSeconds",
      "jobId",
      "status",
      "total",
    ]);
    expect(accepted.batches).toBe(1);
  });

  it("/v1/status shows each caller only its own recent jobs", async () => {
    await TestGateway.install();
    const body = JSON.stringify({ notifications: notifications(1) });
    expect((await postSigned(body, webhookHeaders(body))).status).toBe(202);
    const mine = await submit(1);
    expect((await relayStatus()).recentJobs.map((j) => j.jobId)).toEqual([mine.jobId]);
    expect((await relayStatus(OTHER_API_KEY)).recentJobs).toEqual([]);
    // An operator sees both callers' jobs.
    expect((await webhookStatus()).recentJobs).toHaveLength(2);
  });
});

describe("job isolation", () => {
  it("key B cannot see key A's job (404, like a job that does not exist), and A can", async () => {
    await TestGateway.install();
    const job = await submit(2, { key: API_KEY });
    const asOther = await relay(`/v1/notifications/${job.jobId}`, { key: OTHER_API_KEY });
    const missing = await relay("/v1/notifications/job_AAAAAAAAAAAAAAAAAAAAAA", { key: OTHER_API_KEY });
    expect(asOther.status).toBe(404);
    expect(await asOther.json()).toEqual(await missing.json());
    expect((await relay(`/v1/notifications/${job.jobId}`, { key: API_KEY })).status).toBe(200);
  });

  it("the same Idempotency-Key from two callers makes two separate jobs", async () => {
    await TestGateway.install();
    const headers = { "idempotency-key": "shared-key" };
    const a = await submit(1, { key: API_KEY, headers });
    const b = await submit(2, { key: OTHER_API_KEY, headers });
    expect(a.jobId).not.toBe(b.jobId);
    expect(b.total).toBe(2);
  });

  it("job ids are job_ + 128 random bits (22 base64url characters), never repeating or sequential", async () => {
    await TestGateway.install();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await submit(1, { prefix: `p${i}` })).jobId);
    expect(new Set(ids).size).toBe(ids.length);
    const bits = ids.map((id) => {
      expect(id).toMatch(/^job_[A-Za-z0-9_-]{22}$/);
      const raw = atob(`${id.slice(4).replaceAll("-", "+").replaceAll("_", "/")}==`);
      expect(raw.length).toBe(16);
      return raw;
    });
    // Random ids share no long common prefix (a counter or a timestamp would).
    const sorted = [...bits].sort();
    for (let i = 1; i < sorted.length; i++) {
      const [a, b] = [sorted[i - 1]!, sorted[i]!];
      let same = 0;
      while (same < a.length && a[same] === b[same]) same++;
      expect(same).toBeLessThan(4);
    }
  }, 15_000);
});
