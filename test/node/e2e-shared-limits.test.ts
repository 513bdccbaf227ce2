/**
 * End to end, real processes (workerd under wrangler dev, and the self-hosted relay on Node and on Deno):
 * the limits on what all callers share hold in each host's own storage and with its own connections.
 * With RELAY_STORAGE_CAP_BYTES at 1 MB, new work is refused with 503 `storage-full` and a Retry-After
 * while reads go on, and once the queued work is sent its freed pages make room again (a self-hosted
 * database file keeps its pages: only those in use count). With RELAY_MAX_CALLBACKS_IN_FLIGHT at 2, a
 * receiver that holds every connection open never has more than 2, however many jobs complete.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeNotifications } from "../../dev/relay-client.ts";
import { until } from "../support/until.ts";
import { type E2eRun, startE2eRun } from "./e2e-helpers.ts";

describe.each(["workerd", "node", "deno"] as const)("the relay on %s", (runtime) => {
  let e2e: E2eRun | undefined;
  let base: string;

  beforeAll(async () => {
    e2e = await startE2eRun({
      runtime,
      maxRps: 50,
      gatewayLimitRps: 0,
      vars: {
        RELAY_STORAGE_CAP_BYTES: "1000000",
        RELAY_MAX_CALLBACKS_IN_FLIGHT: "2",
        RELAY_MAX_CALLBACKS_IN_FLIGHT_PER_CALLER: "4",
      },
    });
    base = e2e.run.relayUrl;
  }, 120_000);

  afterAll(() => e2e?.stop(), 60_000);

  async function call(method: string, path: string, body?: unknown, key = e2e!.run.apiKey) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }

  const jobOf = async (jobId: string) =>
    (await call("GET", `/v1/notifications/${jobId}`)).body as { status: string; callback: { attempts: number } | null };

  it("above a 1 MB storage cap refuses new work with 503 storage-full and Retry-After; reads go on; sending frees the room", async () => {
    expect((await call("POST", "/v1/pause", { reason: "fill the outbox" }, e2e!.run.adminKey)).status).toBe(200);
    const accepted: string[] = [];
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      const answer = await call("POST", "/v1/notifications", { notifications: makeNotifications(`st${i}`, 1000) });
      if (answer.status === 202) accepted.push(answer.body.jobId as string);
      else refused = answer;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.body).toMatchObject({ code: "storage-full" });
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(accepted.length).toBeGreaterThan(2);
    const status = await call("GET", "/v1/status", undefined, e2e!.run.adminKey);
    expect((status.body.storage as { bytes: number }).bytes).toBeLessThanOrEqual(1_000_000);
    expect((await jobOf(accepted[0]!)).status).toBe("queued");

    expect((await call("POST", "/v1/resume", undefined, e2e!.run.adminKey)).status).toBe(200);
    await until(
      async () => (await Promise.all(accepted.map(jobOf))).every((j) => j.status === "completed"),
      60_000,
      "the queued jobs sent",
    );
    const again = await call("POST", "/v1/notifications", { notifications: makeNotifications("st-again", 1000) });
    expect(again.status).toBe(202);
  }, 90_000);

  it("keeps at most RELAY_MAX_CALLBACKS_IN_FLIGHT (2) callback connections open to a receiver that never answers", async () => {
    let open = 0;
    let most = 0;
    const received: string[] = [];
    const receiver: Server = createServer((req) => {
      received.push(req.url ?? "");
      open += 1;
      most = Math.max(most, open);
      req.on("close", () => (open -= 1));
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = receiver.address() as AddressInfo;
      const jobs: string[] = [];
      for (let i = 0; i < 8; i++) {
        const answer = await call("POST", "/v1/notifications", {
          callbackUrl: `http://127.0.0.1:${port}/done/${i}`,
          notifications: makeNotifications(`cb${i}`, 1),
        });
        expect(answer.status).toBe(202);
        jobs.push(answer.body.jobId as string);
      }
      // Every job completes (each settlement wakes the relay again); two tries are out, and no more were handed out.
      await until(
        async () => (await Promise.all(jobs.map(jobOf))).every((j) => j.status === "completed"),
        30_000,
        "the jobs completed",
      );
      await until(() => open === 2, 10_000, "two callback connections open");
      const attempts = (await Promise.all(jobs.map(jobOf))).reduce((n, j) => n + (j.callback?.attempts ?? 0), 0);
      expect(attempts).toBe(2);
      expect(received).toHaveLength(2);
      expect(most).toBe(2);
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }
  }, 60_000);
});
