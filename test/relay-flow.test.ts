import { describe, expect, it } from "vitest";
import { TestGateway } from "./support/gateway";
import { notifications, relay, waitForJob } from "./support/relay";

describe("a job through the relay", () => {
  it("delivers every notification once and completes", async () => {
    const gateway = await TestGateway.install();
    const res = await relay("/v1/notifications", { method: "POST", json: { notifications: notifications(250) } });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { jobId: string; batches: number; total: number };
    expect(accepted).toMatchObject({ status: "queued", total: 250, batches: 3 });
    expect(res.headers.get("location")).toBe(`/v1/notifications/${accepted.jobId}`);
    const job = await waitForJob(accepted.jobId);
    expect(job).toMatchObject({ status: "completed", total: 250, succeeded: 250, failed: 0, pending: 0 });
    const deliveries = gateway.deliveries();
    expect(deliveries.size).toBe(250);
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(gateway.received.every((r) => r.verified)).toBe(true);
  });
});
