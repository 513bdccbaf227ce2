/**
 * End to end, real processes, a bad day at AlipayHK: the stand-in answers U, 502, hangs (for ever, or
 * past the relay's send timeout after processing), cuts answers off, corrupts answer signatures and
 * drops connections. Nothing is lost: every notification ends delivered or reported failed, nothing
 * is reported delivered that never arrived, and every resend is counted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultKind } from "../../dev/gateway/faults.ts";
import { parseFaults } from "../../dev/gateway/faults.ts";
import { makeNotifications, relayClient } from "../../dev/relay-client.ts";
import { type E2eRun, startE2eRun } from "./e2e-helpers.ts";

const REQUESTS = 5;
const PER_REQUEST = 1000;
// Rules are tried in order, first hit wins; about half of all requests meet one. "processed" faults
// deliver and then lose the answer: the relay must resend those (at-least-once) and count it.
const FAULTS = [
  "unknown:0.12",
  "unknown:0.05:processed",
  "http502:every=7",
  "hang:every=11",
  "hang:every=13:ms=1500:processed",
  "garbage:0.08",
  "bad-signature:0.08",
  "reset:0.03",
].join(",");
// Two attempts per batch: with half the requests failing, about a quarter of the batches run out
// and must be reported failed, so both endings are exercised in every run.
const MAX_ATTEMPTS = 2;

let e2e: E2eRun | undefined;

beforeAll(async () => {
  e2e = await startE2eRun({
    maxRps: 20,
    gatewayLimitRps: 20,
    gateway: { faults: parseFaults(FAULTS), seed: 20261126 },
    vars: {
      RELAY_SEND_TIMEOUT_MS: "800",
      RELAY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      RELAY_RETRY_BASE_MS: "50",
      RELAY_RETRY_MAX_MS: "200",
    },
  });
}, 120_000);

afterAll(() => e2e?.stop(), 60_000);

describe(`${REQUESTS * PER_REQUEST} notifications through injected faults`, () => {
  it("ends every notification delivered or reported failed, and counts every resend", async () => {
    const { run } = e2e!;
    const client = relayClient(run.relayUrl, run.apiKey);
    const tags = Array.from({ length: REQUESTS }, (_, k) => `f${k}`);
    const jobIds: string[] = [];
    for (const tag of tags) {
      const answer = await client.submit({ notifications: makeNotifications(tag, PER_REQUEST) });
      expect(answer.status).toBe(202);
      jobIds.push(answer.body.jobId!);
    }

    const { done, jobs } = await client.waitForJobs(jobIds, 90_000);
    const stats = run.gateway.stats(true);
    expect(done, `jobs still open: ${JSON.stringify(jobs.map((j) => [j.status, j.pending]))}`).toBe(true);

    // The faults really happened, every kind of them.
    const kinds: FaultKind[] = ["unknown", "http502", "hang", "garbage", "bad-signature", "reset"];
    for (const kind of kinds) expect(stats.faults[kind] ?? 0, `${kind} faults injected`).toBeGreaterThan(0);

    let failedTotal = 0;
    for (const [k, job] of jobs.entries()) {
      expect(job.status).toBe("completed");
      expect(job.succeeded + job.failed).toBe(PER_REQUEST);
      expect(job.failures.length).toBe(job.failed);
      failedTotal += job.failed;
      const failed = new Set(job.failures.map((f) => f.openId));
      for (const f of job.failures) expect(f.resultCode).not.toBe("");
      let delivered = 0;
      for (const n of makeNotifications(tags[k]!, PER_REQUEST)) {
        const deliveries = stats.deliveredByOpenId[n.openId] ?? 0;
        // Reported succeeded ⇒ it reached the stand-in (an untrusted "S" must never count).
        if (!failed.has(n.openId)) expect(deliveries, `${n.openId} reported succeeded`).toBeGreaterThan(0);
        delivered += deliveries;
      }
      // Every delivery was a counted attempt: the job's document accounts for each send of each notification.
      const counted = job.batches.reduce((n, b) => n + b.size * b.attempts, 0);
      expect(job.batchesOmitted).toBe(0);
      expect(delivered).toBeLessThanOrEqual(counted);
      expect(job.batches.filter((b) => b.status === "failed").reduce((n, b) => n + b.size, 0)).toBe(job.failed);
      for (const b of job.batches) expect(b.attempts).toBeGreaterThanOrEqual(1);
    }
    // Both endings happened: some notifications ran out of attempts, most got through.
    expect(failedTotal).toBeGreaterThan(0);
    expect(failedTotal).toBeLessThan(REQUESTS * PER_REQUEST);
    expect(stats.repeatedReqMsgIds).toEqual([]);
    expect(stats.signatureFailures).toBe(0);
    console.info(
      `faults: ${stats.requests} requests for ${(REQUESTS * PER_REQUEST) / 100} requests' worth, ${JSON.stringify(stats.faults)}; ${failedTotal} notifications reported failed`,
    );
  }, 120_000);
});
