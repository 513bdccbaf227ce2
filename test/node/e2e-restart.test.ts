/**
 * End to end, real processes: the relay is killed (SIGKILL, a crash) while batches are on the wire and
 * restarted on the same Durable Object storage. Sending resumes on its own (the persisted alarm, no
 * new request needed), batches lost in flight are resent once their lease runs out, and every job
 * completes with every notification delivered; each second delivery comes from a counted resend.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeNotifications, relayClient } from "../../dev/relay-client.ts";
import { LEASE_GRACE_MS } from "../../src/engine/engine.ts";
import { until } from "../support/until.ts";
import { type E2eRun, startE2eRun } from "./e2e-helpers.ts";

const REQUESTS = 3;
const PER_REQUEST = 1000;
const SEND_TIMEOUT_MS = 1000;

let e2e: E2eRun | undefined;

beforeAll(async () => {
  // 200 ms answers keep about four batches on the wire at 20/s, so the kill always catches some.
  e2e = await startE2eRun({
    maxRps: 20,
    gateway: { latencyMs: 200 },
    vars: { RELAY_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS), RELAY_RETRY_BASE_MS: "50", RELAY_RETRY_MAX_MS: "200" },
  });
}, 120_000);

afterAll(() => e2e?.stop(), 60_000);

describe("a relay killed mid-run and restarted on the same storage", () => {
  it("resumes by itself, resends what was lost in flight, and completes every job", async () => {
    const { run } = e2e!;
    const client = relayClient(run.relayUrl, run.apiKey);
    const tags = Array.from({ length: REQUESTS }, (_, k) => `r${k}`);
    const jobIds: string[] = [];
    for (const tag of tags) {
      const answer = await client.submit({ notifications: makeNotifications(tag, PER_REQUEST) });
      expect(answer.status).toBe(202);
      jobIds.push(answer.body.jobId!);
    }

    // Mid-run: a third of the batches sent, some on the wire.
    await until(() => run.gateway.counts().requests >= 10, 20_000, "10 requests at the stand-in");
    // The kill must catch batches on the wire: read until the relay says some are (one read can fall between sends).
    let before = await client.status();
    await until(async () => (before = await client.status()).inFlight > 0, 10_000, "batches on the wire");
    await run.restartRelay({ signal: "SIGKILL" });
    const restartedAt = performance.now();
    const requestsAtRestart = run.gateway.counts().requests;

    // Nothing asks the relay anything here: only its persisted alarm (the one the kill cut short, run again
    // by the restarted runtime) can bring the sending back. The bound is generous (10 s, for a loaded
    // machine): what it guards is that sending resumes by itself at all.
    await until(
      () => run.gateway.counts().requests > requestsAtRestart,
      10_000,
      () => `a send after the restart:\n${run.relayLogTail().slice(-20).join("\n")}`,
    );
    const resumedMs = performance.now() - restartedAt;

    // Lost batches come back after their lease (send timeout + grace); the rest is ~1 s of backlog.
    const { done, jobs, ms } = await client.waitForJobs(jobIds, SEND_TIMEOUT_MS + LEASE_GRACE_MS + 15_000);
    const finishedMs = performance.now() - restartedAt;
    const stats = run.gateway.stats(true);
    expect(
      done,
      `jobs still open ${ms.toFixed(0)} ms after the restart: ${JSON.stringify(jobs.map((j) => [j.status, j.pending]))}`,
    ).toBe(true);

    let resends = 0;
    for (const [k, job] of jobs.entries()) {
      expect(job).toMatchObject({ status: "completed", total: PER_REQUEST, succeeded: PER_REQUEST, failed: 0 });
      let delivered = 0;
      for (const n of makeNotifications(tags[k]!, PER_REQUEST)) {
        const deliveries = stats.deliveredByOpenId[n.openId] ?? 0;
        expect(deliveries, `${n.openId} delivered`).toBeGreaterThan(0);
        delivered += deliveries;
      }
      // A second delivery only ever comes from a counted resend.
      expect(delivered).toBeLessThanOrEqual(job.batches.reduce((n, b) => n + b.size * b.attempts, 0));
      resends += job.batches.reduce((n, b) => n + b.size * (b.attempts - 1), 0);
    }
    // The notifications caught on the wire were resent after their lease, and counted.
    expect(resends).toBeGreaterThan(0);
    expect(stats.repeatedReqMsgIds).toEqual([]);
    expect(stats.signatureFailures).toBe(0);
    console.info(
      `restart: ${before.inFlight} in flight at the kill, first send ${resumedMs.toFixed(0)} ms after the restarted relay answered, all done after ${finishedMs.toFixed(0)} ms; ${resends} resends`,
    );
  }, 120_000);
});
