/**
 * `Prefer: wait=N` (RFC 7240 §4.3): the relay holds the answer up to N seconds (capped by
 * RELAY_MAX_WAIT_SECONDS) and answers 200 with the finished job if it finished, else the usual 202.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Dispatcher } from "../src/hosts/cloudflare/dispatcher";
import type { JobView } from "../src/engine/api";
import { TestGateway } from "./support/gateway";
import { freshRelay, getJob, notifications, relay } from "./support/relay";

function post(prefer: string | null, count = 250, extra: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { ...extra };
  if (prefer !== null) headers.prefer = prefer;
  return relay("/v1/notifications", { method: "POST", headers, json: { notifications: notifications(count) } });
}

beforeEach(freshRelay);
afterEach(() => vi.restoreAllMocks());

describe("Prefer: wait", () => {
  it("wait=10 answers 200 with the completed job and Preference-Applied", async () => {
    const gateway = await TestGateway.install();
    const res = await post("wait=10");
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("wait=10");
    const job = (await res.json()) as JobView;
    expect(res.headers.get("location")).toBe(`/v1/notifications/${job.jobId}`);
    expect(job).toMatchObject({ status: "completed", total: 250, succeeded: 250, failed: 0, pending: 0 });
    expect(job.batches).toHaveLength(3);
    expect(gateway.deliveries().size).toBe(250);
  }, 15_000);

  it("works beside other preferences (respond-async, wait=5)", async () => {
    await TestGateway.install();
    const res = await post("respond-async, wait=5", 10);
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("wait=5");
  }, 10_000);

  it("a job that does not finish in time gets the usual 202 after about N seconds", async () => {
    const gateway = await TestGateway.install();
    gateway.defaultFault = "hang";
    const started = Date.now();
    const res = await post("wait=1", 10);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(202);
    expect(res.headers.get("preference-applied")).toBe("wait=1");
    expect(await res.json()).toMatchObject({ total: 10, batches: 1 });
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(3000);
    gateway.releaseHung();
  }, 10_000);

  it("caps the wait at RELAY_MAX_WAIT_SECONDS (60) and says so", async () => {
    await TestGateway.install();
    const res = await post("wait=3600", 10);
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("wait=60");
  }, 10_000);

  it("without Prefer, or with a malformed one, answers 202 at once without Preference-Applied", async () => {
    const gateway = await TestGateway.install();
    gateway.defaultFault = "hang";
    for (const prefer of [null, "wait=soon", "wait=-1"]) {
      const started = Date.now();
      const res = await post(prefer, 10, { "idempotency-key": `k-${prefer}` });
      expect(res.status).toBe(202);
      expect(res.headers.get("preference-applied")).toBeNull();
      expect(Date.now() - started).toBeLessThan(500);
    }
    gateway.releaseHung();
  }, 10_000);

  it("an idempotent replay of a finished job with wait answers 200 at once", async () => {
    await TestGateway.install();
    const first = await post("wait=10", 10, { "idempotency-key": "done-already" });
    expect(first.status).toBe(200);
    const started = Date.now();
    const again = await post("wait=10", 10, { "idempotency-key": "done-already" });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as JobView).jobId).toBe(((await first.json()) as JobView).jobId);
    expect(Date.now() - started).toBeLessThan(500);
  }, 10_000);
  it("a failed wait ends with the usual 202: the job was accepted, never a 500", async () => {
    await TestGateway.install();
    const waitOnce = vi.spyOn(Dispatcher.prototype, "waitForJob").mockRejectedValueOnce(new Error("object reset"));
    const res = await post("wait=10", 1);
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    expect(waitOnce).toHaveBeenCalled();
    waitOnce.mockRestore();
    expect((await getJob(jobId)).jobId).toBe(jobId);
  });

  it("waiters wait on the dispatcher, woken when their job completes: no polling of the object that paces", async () => {
    await TestGateway.install();
    const reads = vi.spyOn(Dispatcher.prototype, "getJob");
    const waits = vi.spyOn(Dispatcher.prototype, "waitForJob");
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => post("wait=10", 100 + i)));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(waits).toHaveBeenCalledTimes(10);
    expect(reads).not.toHaveBeenCalled();
  }, 15_000);
});
