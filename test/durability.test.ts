/**
 * Nothing accepted is lost: the Durable Object reset or evicted in the middle of a job — with batches
 * queued, on the wire, or with senders that never report back — still ends `completed` with every
 * notification accounted for, and the attempt that was lost is counted and sent again.
 */
import { abortAllDurableObjects, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { Dispatcher } from "../src/hosts/cloudflare/dispatcher";
import type { JobView } from "../src/engine/api";
import { TestGateway } from "./support/gateway";
import { dispatcherStub, freshRelay, getJob, relayStatus, submit, until, waitForJob } from "./support/relay";

/** Every notification of the job ended succeeded or failed, and the gateway got each one at least once. */
function expectAllAccountedFor(job: JobView, gateway: TestGateway, total: number): void {
  expect(job).toMatchObject({ status: "completed", total, pending: 0 });
  expect(job.succeeded + job.failed).toBe(total);
  expect(job.failed).toBe(0);
  expect(gateway.deliveries().size).toBe(total);
}

beforeEach(freshRelay);

describe("a Durable Object reset in the middle of a job", () => {
  it("aborted while pacing a backlog: the alarm resumes sending, every notification delivered", async () => {
    const gateway = await TestGateway.install();
    const job = await submit(4000); // 40 batches, 2 s at 20 per second
    await until(() => gateway.received.length >= 10, 5_000, "10 sends");
    await abortAllDurableObjects();
    const abortedAt = Date.now();
    const done = await waitForJob(job.jobId, 15_000);
    const resumedAfter = (gateway.received.find((r) => r.at > abortedAt)?.at ?? Infinity) - abortedAt;
    console.info(
      `[durability] after the abort sending resumed in ${resumedAfter} ms; the job completed in ${Date.now() - abortedAt} ms`,
    );
    expectAllAccountedFor(done, gateway, 4000);
    // Nobody touched the object after the abort: its alarm alone brought the pump back, promptly.
    expect(resumedAfter).toBeLessThan(3000);
    expect(gateway.maxInAnySecond()).toBeLessThanOrEqual(20);
  }, 20_000);

  it("evicted while batches are on the wire: their answers still settle them, or they are resent and counted", async () => {
    const gateway = await TestGateway.install();
    gateway.latencyMs = 300;
    const job = await submit(1000); // 10 batches
    await until(() => gateway.received.length >= 3, 5_000, "3 sends");
    await evictDurableObject(dispatcherStub());
    const done = await waitForJob(job.jobId, 15_000);
    expectAllAccountedFor(done, gateway, 1000);
    const sent = done.batches.reduce((n, b) => n + b.attempts, 0);
    expect(sent).toBe(gateway.received.length);
  }, 20_000);

  it("aborted while every batch hangs on the wire: the timed-out attempts are counted and resent", async () => {
    const gateway = await TestGateway.install();
    gateway.defaultFault = "hang";
    const job = await submit(500); // 5 batches
    await until(() => gateway.received.length >= 5, 5_000, "5 hung sends");
    await abortAllDurableObjects();
    gateway.defaultFault = "none";
    const done = await waitForJob(job.jobId, 15_000);
    expectAllAccountedFor(done, gateway, 500);
    for (const batch of done.batches) expect(batch.attempts).toBe(2);
    expect(gateway.received).toHaveLength(10);
    // Each sender reported its timeout (1000 ms) to the new instance, which resent at once.
    const firstSend = gateway.received[0]!.at;
    expect(gateway.received.at(-1)!.at - firstSend).toBeLessThan(1800);
    expect((await relayStatus()).results).toMatchObject({ TIMEOUT: 5, SUCCESS: 5 });
  }, 20_000);

  it("senders that never report back (lost with the old instance): the lease runs out, the batch is resent and counted", async () => {
    const gateway = await TestGateway.install();
    // The first reports vanish, as if the sender invocations died with the object.
    const report = vi.spyOn(Dispatcher.prototype, "report");
    report.mockImplementation(async () => undefined);
    const job = await submit(300); // 3 batches
    await until(() => gateway.received.length >= 3, 5_000, "3 sends");
    // Senders report the outcomes that finish together in one call.
    await until(() => report.mock.calls.reduce((n, [reports]) => n + reports.length, 0) >= 3, 5_000, "3 reports");
    report.mockRestore();
    await abortAllDurableObjects();
    const view = await getJob(job.jobId);
    expect(view).toMatchObject({ status: "running", pending: 300 });
    expect(view.batches.map((b) => b.status)).toEqual(["sending", "sending", "sending"]);

    // Lease = send timeout (1000 ms) + 5000 ms grace; then the pump settles them as unknown and resends.
    const done = await waitForJob(job.jobId, 15_000);
    expectAllAccountedFor(done, gateway, 300);
    for (const batch of done.batches) expect(batch).toMatchObject({ attempts: 2, status: "succeeded" });
    expect(gateway.received).toHaveLength(6);
    // Delivery is at least once: AlipayHK may have processed the lost attempt, so it saw each notification twice.
    expect([...gateway.deliveries().values()].every((n) => n === 2)).toBe(true);
    // Each resend was a new system request, and the lost attempts are on record as lost in flight.
    const resendIds = gateway.received.slice(3).map((r) => r.reqMsgId);
    expect(done.batches.map((b) => b.reqMsgId).sort()).toEqual([...resendIds].sort());
    expect(new Set(gateway.received.map((r) => r.reqMsgId)).size).toBe(6);
    expect((await relayStatus()).results).toMatchObject({ LOST_IN_FLIGHT: 3, SUCCESS: 3 });
  }, 25_000);
});

describe("the alarm drives the pump", () => {
  it("a stored batch with no running pump is sent when the alarm runs", async () => {
    const gateway = await TestGateway.install();
    gateway.defaultFault = "hang";
    const job = await submit(100);
    await until(() => gateway.received.length >= 1, 5_000, "the first send");
    await abortAllDurableObjects();
    gateway.defaultFault = "none";
    // Whatever the object remembered in memory is gone; storage and the alarm are what is left.
    const alarmSet = await runInDurableObject(
      dispatcherStub(),
      async (_instance, state) => (await state.storage.getAlarm()) !== null,
    );
    expect(alarmSet).toBe(true);
    await runDurableObjectAlarm(dispatcherStub());
    const done = await waitForJob(job.jobId, 10_000);
    expectAllAccountedFor(done, gateway, 100);
  }, 15_000);
});
