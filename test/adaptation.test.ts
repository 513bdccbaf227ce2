/**
 * When AlipayHK's real quota is below ALIPAY_MAX_RPS, REQUEST_TRAFFIC_EXCEED_LIMIT answers tell the
 * relay so: it lowers its live rate at once (visible in /v1/status), the exceed answers stay a small
 * share, and every refused notification goes back to the queue without spending its retry budget and
 * ends delivered.
 */
import { runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { TestGateway } from "./support/gateway";
import { dispatcherStub, freshRelay, relayStatus, submit, waitForJob } from "./support/relay";

interface StoredRun {
  seq: number;
  attempts: number;
  budget_spent: number;
  traffic_requeues: number;
  state: string;
}

/** The outbox's runs (a job's notifications that share a fate), read inside the Durable Object. */
function storedRuns(): Promise<StoredRun[]> {
  return runInDurableObject(dispatcherStub(), (_instance, state) =>
    state.storage.sql
      .exec<StoredRun & Record<string, SqlStorageValue>>(
        "SELECT seq, attempts, budget_spent, traffic_requeues, state FROM runs ORDER BY seq",
      )
      .toArray()
      .map((row) => ({ ...row })),
  );
}

beforeEach(freshRelay);

describe("REQUEST_TRAFFIC_EXCEED_LIMIT adaptation (configured 20 per second, gateway allows 10)", () => {
  it("lowers the live rate, keeps exceeds a small share, requeues refused notifications for free, delivers all", async () => {
    const gateway = await TestGateway.install(20);
    gateway.limitRps = 10;
    const job = await submit(6000); // 60 full requests
    const done = await waitForJob(job.jobId, 20_000);
    const status = await relayStatus();
    const share = gateway.exceeded / gateway.received.length;
    console.info(
      `[adaptation] ${gateway.received.length} requests for 60 requests' worth, ${gateway.exceeded} exceeded (${(share * 100).toFixed(1)} %), ` +
        `live rate ${status.pace.liveRps.toFixed(2)} per second, max ${gateway.maxInAnySecond()} in any 1000 ms`,
    );

    expect(done).toMatchObject({ status: "completed", total: 6000, succeeded: 6000, failed: 0 });
    expect(gateway.exceeded).toBeGreaterThan(0); // the relay did start above the real quota
    expect(share).toBeLessThan(0.1);
    // The live rate came down to just under what the gateway accepts, and /v1/status says why.
    expect(status.pace.configuredRps).toBe(20);
    expect(status.pace.liveRps).toBeLessThanOrEqual(10);
    expect(status.pace.liveRps).toBeGreaterThanOrEqual(8);
    expect(status.pace.lastExceedAt).not.toBeNull();
    expect(status.adaptations.length).toBeGreaterThan(0);
    expect(status.adaptations[0]).toMatchObject({ reason: "REQUEST_TRAFFIC_EXCEED_LIMIT" });
    expect(status.results.REQUEST_TRAFFIC_EXCEED_LIMIT).toBe(gateway.exceeded);

    // Every refused run was requeued without spending budget: one spent attempt each, the rest refusals.
    // (One job alone: each request took one whole stored run of 100.)
    const rows = await storedRuns();
    expect(rows).toHaveLength(60);
    for (const row of rows) {
      expect(row).toMatchObject({ state: "succeeded", budget_spent: 1 });
      expect(row.attempts).toBe(1 + row.traffic_requeues);
    }
    expect(rows.reduce((n, r) => n + r.traffic_requeues, 0)).toBe(gateway.exceeded);
    const deliveries = gateway.deliveries();
    expect(deliveries.size).toBe(6000);
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
  }, 25_000);

  it("refusals never use up RELAY_MAX_ATTEMPTS (5): 7 refusals in a row, then delivered", async () => {
    const gateway = await TestGateway.install(20);
    gateway.faults = Array<"traffic">(7).fill("traffic");
    const job = await submit(10);
    const done = await waitForJob(job.jobId, 10_000);
    expect(done).toMatchObject({ status: "completed", succeeded: 10, failed: 0 });
    expect(done.batches[0]).toMatchObject({ attempts: 8, resultCode: "SUCCESS" });
    expect(gateway.received.map((r) => r.answer)).toEqual([
      ...Array<string>(7).fill("REQUEST_TRAFFIC_EXCEED_LIMIT"),
      "SUCCESS",
    ]);
    // Each resend is a new system request.
    expect(new Set(gateway.received.map((r) => r.reqMsgId)).size).toBe(8);
  }, 15_000);

  it("refused notifications go back to the front of the queue, ahead of those still waiting", async () => {
    const gateway = await TestGateway.install(20);
    gateway.faults = ["traffic"];
    const job = await submit(500); // requests of 100, starting at user-000000, user-000100, … user-000400
    await waitForJob(job.jobId, 10_000);
    const order = gateway.received.map((r) => `${r.openIds[0]} ${r.answer}`);
    expect(order[0]).toBe("user-000000 REQUEST_TRAFFIC_EXCEED_LIMIT");
    expect(order).toHaveLength(6);
    // Senders may already hold the requests of the next slots (handed out up to 100 ms ahead: at most two
    // 51 ms slots, once before the refusal and once while it comes back); every notification still queued
    // when the refusal was settled leaves after the resend.
    const resend = order.indexOf("user-000000 SUCCESS");
    expect(resend).toBeGreaterThan(0);
    expect(resend).toBeLessThanOrEqual(3);
    expect(order.slice(resend + 1)).toEqual(expect.arrayContaining(["user-000300 SUCCESS", "user-000400 SUCCESS"]));
  }, 15_000);

  it("recovers slowly once the quota is back: the live rate climbs, but not straight to 20", async () => {
    const gateway = await TestGateway.install(20);
    gateway.limitRps = 10;
    const first = await submit(2000);
    await waitForJob(first.jobId, 10_000);
    const lowered = (await relayStatus()).pace.liveRps;
    expect(lowered).toBeLessThanOrEqual(10);

    gateway.limitRps = 20;
    const exceededBefore = gateway.exceeded;
    const second = await submit(3500, { prefix: "later" });
    await waitForJob(second.jobId, 15_000);
    const recovered = (await relayStatus()).pace.liveRps;
    console.info(
      `[adaptation] recovery: ${lowered.toFixed(2)} → ${recovered.toFixed(2)} per second over 35 clean requests`,
    );
    expect(recovered).toBeGreaterThan(lowered);
    expect(recovered).toBeLessThan(20);
    expect(gateway.exceeded).toBe(exceededBefore);
  }, 30_000);
});
