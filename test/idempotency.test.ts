/**
 * `Idempotency-Key`: the same key with the same body is the same job and AlipayHK receives nothing a
 * second time; the same key with another body is refused with 422.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { TestGateway } from "./support/gateway";
import { expectOutboxEmpty, freshRelay, notifications, relay, relayStatus, waitForJob } from "./support/relay";

const body = JSON.stringify({ notifications: notifications(150) });

function post(key: string | null, text = body): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers["idempotency-key"] = key;
  return relay("/v1/notifications", { method: "POST", body: text, headers });
}

beforeEach(freshRelay);

describe("Idempotency-Key", () => {
  it("same key, same body: the same job, before and after it completed, and nothing is sent twice", async () => {
    const gateway = await TestGateway.install();
    const first = await post("order-8841-paid");
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const { jobId } = (await first.json()) as { jobId: string };

    const again = await post("order-8841-paid");
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(`/v1/notifications/${jobId}`);
    expect(((await again.json()) as { jobId: string }).jobId).toBe(jobId);

    const job = await waitForJob(jobId, 5_000);
    expect(job).toMatchObject({ status: "completed", succeeded: 150, failed: 0 });
    const afterDone = await post("order-8841-paid");
    expect(afterDone.status).toBe(202);
    expect(await afterDone.json()).toMatchObject({ jobId, status: "completed", total: 150 });

    await expectOutboxEmpty();
    expect(gateway.received).toHaveLength(2);
    const deliveries = gateway.deliveries();
    expect(deliveries.size).toBe(150);
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    expect((await relayStatus()).recentJobs).toHaveLength(1);
  }, 10_000);

  it("concurrent requests with one key make one job", async () => {
    const gateway = await TestGateway.install();
    const answers = await Promise.all(Array.from({ length: 5 }, () => post("burst-key")));
    const ids = await Promise.all(
      answers.map(async (res) => {
        expect(res.status).toBe(202);
        return ((await res.json()) as { jobId: string }).jobId;
      }),
    );
    expect(new Set(ids).size).toBe(1);
    await waitForJob(ids[0]!, 5_000);
    await expectOutboxEmpty();
    expect(gateway.received).toHaveLength(2);
  }, 10_000);

  it("same key, different body: 422 idempotency-key-reused, and the first job is untouched", async () => {
    const gateway = await TestGateway.install();
    const first = await post("order-1");
    const { jobId } = (await first.json()) as { jobId: string };
    const other = JSON.stringify({ notifications: notifications(3, "other") });
    const res = await post("order-1", other);
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 422, code: "idempotency-key-reused" });
    const job = await waitForJob(jobId, 5_000);
    expect(job).toMatchObject({ status: "completed", total: 150, succeeded: 150 });
    await expectOutboxEmpty();
    expect(gateway.received.flatMap((r) => r.openIds).filter((id) => id.startsWith("other"))).toEqual([]);
    expect((await relayStatus()).recentJobs.map((j) => j.jobId)).toEqual([jobId]);
  }, 10_000);

  it("without a key, the same body twice is two jobs (the key is what makes a retry safe)", async () => {
    await TestGateway.install();
    const a = (await (await post(null)).json()) as { jobId: string };
    const b = (await (await post(null)).json()) as { jobId: string };
    expect(a.jobId).not.toBe(b.jobId);
  });
});
