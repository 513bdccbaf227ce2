/**
 * Each way an attempt can fail, through the real worker: what may have been processed (U, 5xx, a
 * timeout, an unreadable or unverifiable answer) is retried with backoff, each time as a new system
 * request (fresh reqMsgId), until it succeeds or RELAY_MAX_ATTEMPTS runs out; a final F code is not
 * retried. Every notification ends succeeded or failed with its resultCode and resultMsg.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { JobView } from "../src/engine/api";
import { TestGateway, type Fault } from "./support/gateway";
import { expectOutboxEmpty, freshRelay, getJob, relayStatus, submit } from "./support/relay";
import { until } from "./support/until";

/** Polls a job to completion, checking on every view that the counts always add up. */
async function followJob(jobId: string, timeoutMs: number): Promise<JobView> {
  let job = await getJob(jobId);
  await until(
    async () => {
      job = await getJob(jobId);
      expect(job.succeeded + job.failed + job.pending).toBe(job.total);
      expect(job.failures).toHaveLength(job.failed);
      return job.status === "completed";
    },
    timeoutMs,
    () => `job ${jobId} to complete; last seen: ${JSON.stringify(job).slice(0, 400)}`,
    25,
  );
  expect(job.pending).toBe(0);
  expect(job.succeeded + job.failed).toBe(job.total);
  return job;
}

const RETRIED: [Fault, string][] = [
  ["unknown", "UNKNOWN_EXCEPTION"],
  ["http-502", "HTTP_502"],
  ["hang", "TIMEOUT"],
  ["garbage", "MALFORMED_ANSWER"],
  ["bad-signature", "UNVERIFIED_ANSWER"],
];

beforeEach(freshRelay);

describe("retried: the outcome is unknown, so the batch is sent again as a new request", () => {
  for (const [fault, code] of RETRIED) {
    it(`${fault}: retried with a fresh reqMsgId and reqTime, then delivered`, async () => {
      const gateway = await TestGateway.install();
      // A hang costs the whole send timeout (1000 ms), so once is enough for it.
      const failures = fault === "hang" ? 1 : 2;
      gateway.faults = Array<Fault>(failures).fill(fault);
      const job = await followJob((await submit(40)).jobId, 10_000);
      const attempts = failures + 1;
      expect(job).toMatchObject({ status: "completed", succeeded: 40, failed: 0, failures: [] });
      expect(job.batches[0]).toMatchObject({ attempts, status: "succeeded", resultCode: "SUCCESS" });
      expect(gateway.received).toHaveLength(attempts);
      const ids = gateway.received.map((r) => r.reqMsgId);
      expect(new Set(ids).size).toBe(attempts);
      expect(job.batches[0]?.reqMsgId).toBe(ids.at(-1));
      for (const r of gateway.received) {
        expect(r.verified).toBe(true);
        expect(r.reqTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
      }
      // The retried attempts are on record under the relay's code for them.
      expect((await relayStatus()).results).toMatchObject({ [code]: attempts - 1, SUCCESS: 1 });
    }, 15_000);
  }

  it("backs off longer each time (equal jitter: at least half of 50, 100, 200 ms) and stops at RELAY_MAX_ATTEMPTS (5)", async () => {
    const gateway = await TestGateway.install();
    gateway.defaultFault = "unknown";
    const job = await followJob((await submit(100)).jobId, 10_000);
    expect(job).toMatchObject({ status: "completed", succeeded: 0, failed: 100 });
    expect(job.batches[0]).toMatchObject({
      status: "failed",
      attempts: 5,
      resultStatus: "U",
      resultCode: "UNKNOWN_EXCEPTION",
      resultMsg: "unknown_exception",
    });
    expect(job.failures[0]).toEqual({
      openId: "user-000000",
      resultCode: "UNKNOWN_EXCEPTION",
      resultMsg: "unknown_exception",
    });
    expect(job.failures.map((f) => f.openId)).toEqual(gateway.received[0]?.openIds);
    expect(gateway.received).toHaveLength(5);
    expect(new Set(gateway.received.map((r) => r.reqMsgId)).size).toBe(5);
    const gaps = gateway.received.slice(1).map((r, i) => r.at - gateway.received[i]!.at);
    // RELAY_RETRY_BASE_MS 50, RELAY_RETRY_MAX_MS 200: ceilings 50, 100, 200, 200; at least half of each.
    for (const [i, least] of [25, 50, 100, 100].entries()) expect(gaps[i]).toBeGreaterThanOrEqual(least - 2);
    // The delays themselves are proved exactly on the fake clock (test/engine/retry-policy.test.ts). Here the
    // upper bound is a ceiling + 1 s, generous because a loaded machine delays timers; it guards that a retry
    // leaves when it is due, not at some later wake-up of the host (2 s and more: the loop's longest sleep).
    for (const [i, most] of [50, 100, 200, 200].entries()) expect(gaps[i]).toBeLessThan(most + 1_000);
  }, 15_000);
});

describe("final: an F code other than the traffic limit is not retried", () => {
  it("PARAM_ILLEGAL: one attempt, every notification of the request failed with resultCode and resultMsg", async () => {
    const gateway = await TestGateway.install();
    gateway.faults = ["param-illegal"];
    const job = await followJob((await submit(30)).jobId, 5_000);
    expect(job).toMatchObject({ status: "completed", succeeded: 0, failed: 30 });
    expect(job.batches[0]).toMatchObject({
      status: "failed",
      attempts: 1,
      resultStatus: "F",
      resultCode: "PARAM_ILLEGAL",
    });
    expect(job.failures).toHaveLength(30);
    for (const failure of job.failures)
      expect(failure).toMatchObject({ resultCode: "PARAM_ILLEGAL", resultMsg: "param_illegal" });
    await expectOutboxEmpty();
    expect(gateway.received).toHaveLength(1);
  });

  it("a job with final, retried and clean requests: succeeded + failed = total, failures name each openId", async () => {
    const gateway = await TestGateway.install();
    gateway.faultsByFirstOpenId = {
      "user-000000": ["param-illegal"],
      "user-000100": ["unknown"],
      "user-000200": ["http-502"],
    };
    const job = await followJob((await submit(250)).jobId, 10_000);
    const first = gateway.received.filter((r) => r.answer !== "SUCCESS").map((r) => r.openIds[0]);
    expect(first.sort()).toEqual(["user-000000", "user-000100", "user-000200"]);
    expect(job).toMatchObject({ status: "completed", total: 250, succeeded: 150, failed: 100 });
    // By the request they last rode on: the 100 refused for good, and the 100 and the 50 resent.
    expect(job.batches.map((b) => [b.status, b.attempts, b.size]).sort()).toEqual(
      [
        ["failed", 1, 100],
        ["succeeded", 2, 100],
        ["succeeded", 2, 50],
      ].sort(),
    );
    expect(job.failures.map((f) => f.openId)).toEqual(
      Array.from({ length: 100 }, (_, i) => `user-${String(i).padStart(6, "0")}`),
    );
    expect(gateway.received).toHaveLength(5);
  }, 10_000);
});
