/**
 * Failures that belong to the whole clientId hold sending instead of burning the backlog (the engine's
 * circuit breaker, through the Durable Object host): `/healthz` says why, nothing is failed, and one
 * probe finds out when sending can resume. And a sender's report that fails once is retried, not lost.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { Dispatcher } from "../src/hosts/cloudflare/dispatcher";
import { TestGateway } from "./support/gateway";
import { ADMIN_KEY, freshRelay, getJob, relay, relayStatus, submit, waitForJob } from "./support/relay";
import { until } from "./support/until";

beforeEach(freshRelay);

describe("a key AlipayHK does not know", () => {
  it("holds the backlog (nothing failed, health degraded with the reason), then a probe resumes it once the key works", async () => {
    const gateway = await TestGateway.install();
    gateway.defaultFault = "invalid-signature";
    const job = await submit(2000); // 20 batches
    await until(async () => (await relayStatus()).hold?.kind === "setup", 5_000, "the breaker to open");
    expect(await (await relay("/healthz", { key: null })).json()).toEqual({ status: "degraded" });
    const details = (await (await relay("/healthz", { key: ADMIN_KEY })).json()) as {
      degraded: { reason: string; detail: string }[];
    };
    expect(details.degraded[0]).toMatchObject({ reason: "breaker-open" });
    expect(details.degraded[0]?.detail).toContain("INVALID_SIGNATURE");
    const held = await getJob(job.jobId);
    expect(held).toMatchObject({ failed: 0, succeeded: 0, pending: 2000 });
    // One refusal opened it; at most a probe or two have gone out since, not the backlog.
    expect(gateway.received.length).toBeLessThanOrEqual(4);

    gateway.defaultFault = "none";
    const done = await waitForJob(job.jobId, 15_000);
    expect(done).toMatchObject({ status: "completed", succeeded: 2000, failed: 0 });
    expect(await (await relay("/healthz", { key: null })).json()).toEqual({ status: "ok" });
    expect((await relayStatus()).hold).toBeNull();
  }, 25_000);
});

describe("a report that fails on its way back", () => {
  it("is tried again with a fresh stub: the batch settles from its one send, no resend", async () => {
    const gateway = await TestGateway.install();
    const real = Dispatcher.prototype.report;
    let failures = 0;
    vi.spyOn(Dispatcher.prototype, "report").mockImplementation(async function (this: Dispatcher, reports) {
      if (failures++ === 0) throw Object.assign(new Error("network connection lost"), { retryable: true });
      return real.call(this, reports);
    });
    const job = await submit(100);
    const done = await waitForJob(job.jobId, 10_000);
    expect(done).toMatchObject({ status: "completed", succeeded: 100 });
    expect(done.batches[0]).toMatchObject({ attempts: 1, resultCode: "SUCCESS" });
    expect(gateway.received).toHaveLength(1);
    expect(failures).toBeGreaterThanOrEqual(2);
  }, 15_000);
});
