/**
 * The typed client against the relay running in workerd (its `fetch` handed the Worker's own): submit
 * with one Idempotency-Key per logical call across retries, Retry-After honoured within a budget, typed
 * problems, waiting with `Prefer: wait`, cancel, status, pause and resume.
 */
import { exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { RelayClient, RelayNetworkError, RelayProblemError, RelayWaitTimeoutError } from "../../src/client";
import { TestGateway } from "../support/gateway";
import { ADMIN_KEY, API_KEY, freshRelay, notifications, OTHER_API_KEY, relayStatus } from "../support/relay";

beforeEach(freshRelay);

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** The relay in this isolate, as a `fetch`; `seen` records every request the client made. */
function relayFetch(seen: Request[] = []): Fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    seen.push(request.clone());
    return exports.default.fetch(request);
  };
}

function client(key = API_KEY, fetch: Fetch = relayFetch(), retry = {}): RelayClient {
  return new RelayClient({ baseUrl: "https://relay.test", apiKey: key, fetch, retry });
}

function problemAnswer(status: number, code: string, retryAfter: string): Response {
  const body = { type: `urn:alipay-notify-relay:problem:${code}`, title: code, status, code, detail: "busy" };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/problem+json", "retry-after": retryAfter },
  });
}

describe("submit", () => {
  it("stores a job; waitFor gets it completed with one request that the relay held (Prefer: wait), no polling", async () => {
    await TestGateway.install();
    const seen: Request[] = [];
    const relay = client(API_KEY, relayFetch(seen));
    const submitted = await relay.submit({ notifications: notifications(250) });
    expect(submitted).toMatchObject({
      kind: "accepted",
      replayed: false,
      accepted: { status: "queued", total: 250, batches: 3 },
    });
    expect(seen[0]!.headers.get("idempotency-key")).toBe(submitted.idempotencyKey);
    const job = await relay.waitFor(submitted.jobId, { timeout: 10_000 });
    expect(job).toMatchObject({ jobId: submitted.jobId, status: "completed", succeeded: 250 });
    const reads = seen.filter((r) => r.method === "GET");
    expect(reads).toHaveLength(1);
    expect(reads[0]!.headers.get("prefer")).toBe("wait=10");
  });

  it("with waitSeconds, answers the completed job", async () => {
    await TestGateway.install();
    const result = await client().submit({ notifications: notifications(3) }, { waitSeconds: 10 });
    expect(result).toMatchObject({ kind: "completed", job: { status: "completed", succeeded: 3 } });
  });

  it("an answer lost on the way back: the retry carries the same Idempotency-Key and gets the same job, nothing sent twice", async () => {
    const gateway = await TestGateway.install();
    const seen: Request[] = [];
    const inner = relayFetch(seen);
    const lossy: Fetch = async (input, init) => {
      const res = await inner(input, init);
      if (seen.length === 1) {
        await res.text();
        throw new TypeError("connection reset by peer");
      }
      return res;
    };
    const result = await client(API_KEY, lossy, { baseDelayMs: 10 }).submit({ notifications: notifications(120) });
    expect(seen).toHaveLength(2);
    expect(seen[1]!.headers.get("idempotency-key")).toBe(seen[0]!.headers.get("idempotency-key"));
    expect(result).toMatchObject({ kind: "accepted", replayed: true });
    expect((await relayStatus(ADMIN_KEY)).recentJobs.map((j) => j.jobId)).toEqual([result.jobId]);
    await client().waitFor(result.jobId, { timeout: 10_000 });
    expect(gateway.deliveries().size).toBe(120);
    expect([...gateway.deliveries().values()].every((n) => n === 1)).toBe(true);
  });

  it("429 and 503 are retried after their Retry-After, with the same key; two logical calls use two keys", async () => {
    await TestGateway.install();
    const seen: Request[] = [];
    const inner = relayFetch(seen);
    const answers = [problemAnswer(429, "backlog-full", "1"), problemAnswer(503, "unavailable", "1")];
    const busy: Fetch = async (input, init) => {
      const next = answers.shift();
      if (next) {
        seen.push(new Request(input, init));
        return next;
      }
      return inner(input, init);
    };
    const relay = client(API_KEY, busy);
    const started = Date.now();
    const first = await relay.submit({ notifications: notifications(1) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_950);
    expect(seen.map((r) => r.headers.get("idempotency-key"))).toEqual(Array(3).fill(first.idempotencyKey));
    const second = await relay.submit({ notifications: notifications(1, "other") });
    expect(second.idempotencyKey).not.toBe(first.idempotencyKey);
    expect(second.jobId).not.toBe(first.jobId);
  });

  it("a Retry-After beyond the budget is not waited for: the problem is thrown at once with it", async () => {
    let calls = 0;
    const full: Fetch = async () => {
      calls++;
      return problemAnswer(429, "backlog-full", "120");
    };
    const started = Date.now();
    const error = await client(API_KEY, full)
      .submit({ notifications: notifications(1) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayProblemError);
    expect(error).toMatchObject({ status: 429, code: "backlog-full", retryAfterSeconds: 120 });
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("network errors are retried within the policy, then a RelayNetworkError with the cause", async () => {
    let calls = 0;
    const down: Fetch = async () => {
      calls++;
      throw new TypeError("fetch failed");
    };
    const error = await client(API_KEY, down, { attempts: 3, baseDelayMs: 10 })
      .submit({ notifications: notifications(1) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayNetworkError);
    expect(error).toMatchObject({ attempts: 3, cause: expect.objectContaining({ message: "fetch failed" }) });
    expect(calls).toBe(3);
  });

  it("a refusal is a RelayProblemError typed from the problem, not retried: code, status, each error's index and field", async () => {
    const seen: Request[] = [];
    const [good] = notifications(1);
    const error = await client(API_KEY, relayFetch(seen))
      .submit({ notifications: [good!, { ...good!, templateCode: "" }, { ...good!, openId: "" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayProblemError);
    const problem = error as RelayProblemError;
    expect(problem).toMatchObject({ status: 400, code: "invalid-request" });
    expect(problem.errors.map((e) => [e.index, e.field])).toEqual([
      [1, "templateCode"],
      [2, "openId"],
    ]);
    expect(seen).toHaveLength(1);
    const unauthorized = await client("not-a-configured-key-000")
      .status()
      .catch((e: unknown) => e);
    expect(unauthorized).toMatchObject({ status: 401, code: "unauthorized" });
  });
});

describe("jobs and operator controls", () => {
  it("cancel, status, pause and resume; a caller's key cannot pause; another caller's job is not-found", async () => {
    const gateway = await TestGateway.install();
    const admin = client(ADMIN_KEY);
    const relay = client();
    expect((await admin.pause("client test")).hold).toMatchObject({ kind: "paused", reason: "client test" });
    await expect(relay.pause()).rejects.toMatchObject({ status: 403, code: "forbidden" });
    const { jobId } = await relay.submit({ notifications: notifications(150) });
    expect((await relay.status()).recentJobs.map((j) => j.jobId)).toEqual([jobId]);
    await expect(client(OTHER_API_KEY).job(jobId)).rejects.toMatchObject({ status: 404, code: "not-found" });

    const cancelled = await relay.cancel(jobId);
    expect(cancelled).toMatchObject({ jobId, cancelled: 150 });
    const again = (await relay.cancel(jobId).catch((e: unknown) => e)) as RelayProblemError;
    expect(again).toMatchObject({ status: 409, code: "job-completed" });
    expect(again.problem.job).toMatchObject({ jobId, status: "completed" });
    expect((await admin.resume()).hold).toBeNull();
    expect(gateway.received).toEqual([]);
  });

  it("waitFor throws RelayWaitTimeoutError with the job's last state when it does not complete in time", async () => {
    await TestGateway.install();
    await client(ADMIN_KEY).pause();
    const relay = client();
    const { jobId } = await relay.submit({ notifications: notifications(2) });
    const started = Date.now();
    const error = await relay.waitFor(jobId, { timeout: 1_500 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayWaitTimeoutError);
    expect((error as RelayWaitTimeoutError).job).toMatchObject({ jobId, status: "queued" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    await client(ADMIN_KEY).resume();
  });

  it("waitFor polls, with a growing interval, where the relay does not hold the answer", async () => {
    await TestGateway.install();
    await client(ADMIN_KEY).pause();
    const seen: Request[] = [];
    const inner = relayFetch(seen);
    // An older relay: it ignores Prefer (here the header never reaches it).
    const older: Fetch = (input, init) => {
      const request = new Request(input, init);
      request.headers.delete("prefer");
      return inner(request.url, { method: request.method, headers: request.headers });
    };
    const relay = client(API_KEY, older);
    const { jobId } = await client().submit({ notifications: notifications(2) });
    setTimeout(() => void client(ADMIN_KEY).resume(), 1_200);
    const job = await relay.waitFor(jobId, { timeout: 10_000 });
    expect(job.status).toBe("completed");
    const reads = seen.filter((r) => r.method === "GET");
    expect(reads.length).toBeGreaterThanOrEqual(3);
    expect(reads.length).toBeLessThan(15);
  });
});
