/**
 * End to end, real processes: the relay under `wrangler dev` and the AlipayHK stand-in with a strict
 * 20 requests/second limit. 5,000 notifications in five requests reach the stand-in exactly once each,
 * in full requests, never more than 20 requests in any second, without a single exceed answer. The five
 * are queued while sending is paused, so every request is assembled from a backlog: with nothing else
 * due, a request leaves with what there is (a job's tail while the next job is still being accepted),
 * which would make the count of requests depend on how fast the machine accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeNotifications, type RelayClient, relayClient } from "../../dev/relay-client.ts";
import { type E2eRun, startE2eRun } from "./e2e-helpers.ts";

const QUOTA = 20;
const REQUESTS = 5;
const PER_REQUEST = 1000;

let e2e: E2eRun | undefined;
let client: RelayClient;

beforeAll(async () => {
  e2e = await startE2eRun({ maxRps: QUOTA, gatewayLimitRps: QUOTA });
  client = relayClient(e2e.run.relayUrl, e2e.run.apiKey);
  // A warm relay, as in service: a cold isolate's first sends leave late by tens of ms, enough to
  // bunch two of them into one of the stand-in's strict sliding seconds (see bench/README.md).
  const warm = await client.submit({ notifications: makeNotifications("warm", 2000) });
  expect(warm.status).toBe(202);
  expect((await client.waitForJobs([warm.body.jobId!], 30_000)).done).toBe(true);
  await new Promise((r) => setTimeout(r, 1100)); // let the stand-in's window empty before counting
  e2e.run.gateway.reset();
}, 120_000);

afterAll(() => e2e?.stop(), 60_000);

describe(`${REQUESTS * PER_REQUEST} notifications against a strict ${QUOTA} requests/second stand-in`, () => {
  it("delivers each exactly once, within the quota, and completes every job", async () => {
    const { gateway } = e2e!.run;
    const tags = Array.from({ length: REQUESTS }, (_, k) => `d${k}`);
    const jobIds: string[] = [];
    const admin = (path: string, body?: unknown) =>
      fetch(`${e2e!.run.relayUrl}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${e2e!.run.adminKey}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    expect((await admin("/v1/pause", { reason: "queue the five first" })).status).toBe(200);
    for (const tag of tags) {
      const answer = await client.submit({ notifications: makeNotifications(tag, PER_REQUEST) });
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({ status: "queued", total: PER_REQUEST, batches: PER_REQUEST / 100 });
      jobIds.push(answer.body.jobId!);
    }
    expect(gateway.stats().requests).toBe(0);
    expect((await admin("/v1/resume")).status).toBe(200);

    const { done, jobs } = await client.waitForJobs(jobIds, 60_000);
    const stats = gateway.stats(true);
    expect(done, `jobs still open: ${JSON.stringify(jobs.map((j) => [j.status, j.pending]))}`).toBe(true);
    for (const job of jobs)
      expect(job).toMatchObject({ status: "completed", total: PER_REQUEST, succeeded: PER_REQUEST, failed: 0 });

    // Exactly once: every openId sent arrived, none twice, nothing else arrived.
    const expected = tags.flatMap((tag) => makeNotifications(tag, PER_REQUEST).map((n) => n.openId));
    const counts = stats.deliveredByOpenId;
    expect(Object.keys(counts).length).toBe(expected.length);
    expect(expected.filter((id) => counts[id] !== 1)).toEqual([]);
    expect(stats.deliveredCount).toBe(expected.length);

    // One request per full batch of 100, each with a fresh reqMsgId and a good signature.
    expect(stats.requests).toBe(expected.length / 100);
    expect(stats.repeatedReqMsgIds).toEqual([]);
    expect(stats.signatureFailures).toBe(0);

    // The pace: never above the quota (by arrival, strict sliding second), never refused, not crawling.
    expect(stats.byResult.REQUEST_TRAFFIC_EXCEED_LIMIT ?? 0).toBe(0);
    expect(stats.byResult).toEqual({ SUCCESS: expected.length / 100 });
    expect(stats.maxPerSecond.all).toBeLessThanOrEqual(QUOTA);
    // 50 requests at 20/s take about 2.5 s. How close to the quota the relay keeps is the bench's figure
    // ("pace at 20/s … achieved ÷ quota, steady"); this bound is generous (4×, for a loaded machine) and
    // guards only against a relay that crawls, e.g. one batch per wake-up instead of a paced stream.
    const spanMs = stats.lastArrivalAt! - stats.firstArrivalAt!;
    expect(spanMs, "50 requests at 20/s take about 2.5 s").toBeLessThan(10_000);
  }, 120_000);
});
