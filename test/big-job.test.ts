/**
 * The acceptance check: a 10,000-notification job (the per-request maximum) sent through the
 * real worker ends `completed` with succeeded + failed = total, every openId accounted for exactly
 * once in the outcome, at the configured pace.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { TestGateway, type Fault } from "./support/gateway";
import { freshRelay, submit, waitForJob } from "./support/relay";

beforeEach(freshRelay);

describe("a 10,000-notification job", () => {
  it("completes with succeeded + failed = total and every notification accounted for", async () => {
    const gateway = await TestGateway.install();
    // A few faults on the way: one final refusal (a whole batch fails), two retried ones.
    const faults: Fault[] = Array<Fault>(60).fill("none");
    faults[17] = "unknown";
    faults[33] = "param-illegal";
    faults[48] = "http-502";
    gateway.faults = faults;

    const started = Date.now();
    const job = await submit(10_000);
    const acceptedIn = Date.now() - started;
    expect(job).toMatchObject({ status: "queued", total: 10_000, batches: 100 });
    const done = await waitForJob(job.jobId, 15_000);
    const tookMs = Date.now() - started;
    console.info(
      `[big-job] 10,000 notifications: accepted in ${acceptedIn} ms, completed in ${tookMs} ms, ${gateway.received.length} requests, max ${gateway.maxInAnySecond()} in any 1000 ms`,
    );

    expect(done.status).toBe("completed");
    expect(done.succeeded + done.failed).toBe(done.total);
    expect(done).toMatchObject({ total: 10_000, succeeded: 9_900, failed: 100, pending: 0 });
    expect(done.batches).toHaveLength(100);
    expect(done.failures.every((f) => f.resultCode === "PARAM_ILLEGAL")).toBe(true);

    // Every openId ends exactly one way: delivered once, or listed once among the failures.
    const delivered = gateway.deliveries();
    const failed = new Set(done.failures.map((f) => f.openId));
    expect(failed.size).toBe(100);
    for (let i = 0; i < 10_000; i++) {
      const openId = `user-${String(i).padStart(6, "0")}`;
      const outcomes = (delivered.get(openId) ?? 0) + (failed.has(openId) ? 1 : 0);
      if (outcomes !== 1) throw new Error(`${openId} ended ${outcomes} ways`);
    }
    expect(gateway.received).toHaveLength(102);
    expect(gateway.maxInAnySecond()).toBeLessThanOrEqual(20);
    expect(gateway.exceeded).toBe(0);
  }, 20_000);
});
