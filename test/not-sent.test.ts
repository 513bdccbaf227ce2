/**
 * An attempt that never leaves the relay (signing fails, the sender cannot be reached) is not an
 * AlipayHK outcome: nothing was sent, so the batch keeps its retry budget and waits until the relay can
 * send again — it is never failed for a fault of the relay's own.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TestGateway } from "./support/gateway";
import { freshRelay, getJob, setting, submit, waitForJob } from "./support/relay";
import { until } from "./support/until";

beforeEach(freshRelay);
afterEach(() => vi.restoreAllMocks());

describe("attempts that never left the relay", () => {
  it("keep the batch queued without spending its budget, then deliver once signing works again", async () => {
    const gateway = await TestGateway.install();
    const maxAttempts = Number(setting("RELAY_MAX_ATTEMPTS") || "5");
    const sign = vi.spyOn(crypto.subtle, "sign").mockRejectedValue(new Error("key unusable"));
    const { jobId } = await submit(100);
    // Well past RELAY_MAX_ATTEMPTS tries (backoff 50..200 ms in tests): still pending, nothing failed.
    await until(async () => (await getJob(jobId)).batches[0]!.attempts > maxAttempts + 2, 10_000, "repeated tries");
    const stuck = await getJob(jobId);
    expect(stuck).toMatchObject({ status: "running", failed: 0, pending: 100 });
    expect(stuck.batches[0]).toMatchObject({ resultStatus: "U", resultCode: "NOT_SENT" });
    expect(gateway.received).toEqual([]);

    sign.mockRestore();
    const done = await waitForJob(jobId, 10_000);
    expect(done).toMatchObject({ status: "completed", succeeded: 100, failed: 0 });
    expect(gateway.received).toHaveLength(1);
  }, 30_000);

  it("a request ready too late for its slot does not leave; it takes the next slot, spending nothing", async () => {
    const gateway = await TestGateway.install();
    const realSign = crypto.subtle.sign.bind(crypto.subtle);
    let slowed = 0;
    vi.spyOn(crypto.subtle, "sign").mockImplementation(async (...args: Parameters<SubtleCrypto["sign"]>) => {
      // The first signing takes 200 ms: far past the slot's end (slot + RELAY_PACE_GUARD_MS).
      if (slowed++ === 0) await new Promise((r) => setTimeout(r, 200));
      return realSign(...args);
    });
    const { jobId } = await submit(100);
    const done = await waitForJob(jobId, 10_000);
    expect(done).toMatchObject({ status: "completed", succeeded: 100, failed: 0 });
    // The held-back request never left, so it is not an attempt: one send, one attempt.
    expect(done.batches[0]).toMatchObject({ attempts: 1, resultCode: "SUCCESS" });
    expect(gateway.received).toHaveLength(1);
  }, 20_000);
});
