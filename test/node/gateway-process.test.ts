/**
 * The stand-in as its own process (dev/gateway/spawn.ts), as the benchmark runs it: it starts with the
 * settings given, stamps arrivals on its own clock, serves its records over loopback, answers the traffic
 * refusal with the status asked for, and is gone after close(). Requests are signed with node:crypto.
 */
import { sign } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, spawnGateway } from "../../dev/gateway/spawn.ts";
import { type DevKeys, ensureDevKeys } from "../../dev/keys.ts";

const CLIENT_ID = "211020000000000000055";
let keysDir: string;
let keys: DevKeys;
let gateway: GatewayProcess;
let counter = 0;

beforeAll(async () => {
  keysDir = await mkdtemp(join(tmpdir(), "gateway-process-test-"));
  keys = await ensureDevKeys(keysDir);
  gateway = await spawnGateway({ clientId: CLIENT_ID, keysDir, settings: { limitRps: 2, exceedStatus: "U", seed: 1 } });
}, 30_000);
afterAll(async () => {
  await gateway?.close();
  await rm(keysDir, { recursive: true, force: true });
});

/** One signed, valid request (by default one notification); resolves to the answer's resultInfo. */
async function send(openIds = [`2088${String(counter + 1).padStart(28, "0")}`]): Promise<Record<string, string>> {
  const request = JSON.stringify({
    head: {
      version: "2.0.0",
      function: "alipay.intl.user.inform.delegateSendNotification",
      clientId: CLIENT_ID,
      reqTime: "2026-11-26T12:08:56+08:00",
      reqMsgId: `proc-${++counter}`,
      reserve: "{}",
    },
    body: {
      merchantId: "2160400000000177",
      notificationInfos: openIds.map((openId) => ({
        openId,
        templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
        templateValue: "{}",
      })),
    },
  });
  const signature = sign("sha1", Buffer.from(request, "utf8"), keys.merchantPrivateKey).toString("base64");
  const res = await fetch(gateway.apiUrl, {
    method: "POST",
    headers: { "content-type": "application/json; charset=UTF-8" },
    body: `{"request":${request},"signature":"${signature}"}`,
  });
  return ((await res.json()) as { response: { body: { resultInfo: Record<string, string> } } }).response.body
    .resultInfo;
}

describe("the stand-in in its own process", () => {
  it("runs in another process, with the settings it was given", async () => {
    expect(gateway.pid).not.toBe(process.pid);
    expect(() => process.kill(gateway.pid, 0)).not.toThrow();
    expect(await gateway.settings()).toMatchObject({ limitRps: 2, exceedStatus: "U", seed: 1, latencyMs: 0 });
    expect(gateway.apiUrl).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/api\/alipay\/intl\/user\/inform\/delegateSendNotification\.htm$/,
    );
  });

  it("counts each arrival, refuses above its limit with status U, and serves the records", async () => {
    await gateway.reset();
    const before = performance.timeOrigin + performance.now();
    const answers = await Promise.all([send(), send(), send()]);
    const after = performance.timeOrigin + performance.now();
    expect(answers.map((a) => a.resultCode).sort()).toEqual(["REQUEST_TRAFFIC_EXCEED_LIMIT", "SUCCESS", "SUCCESS"]);
    expect(answers.find((a) => a.resultCode === "REQUEST_TRAFFIC_EXCEED_LIMIT")).toMatchObject({
      resultStatus: "U",
      resultCodeId: "00000024",
    });
    const counts = await gateway.counts();
    expect(counts).toMatchObject({
      requests: 3,
      deliveredCount: 2,
      byResult: { SUCCESS: 2, REQUEST_TRAFFIC_EXCEED_LIMIT: 1 },
    });
    const offset = await gateway.clockOffsetMs();
    expect(Math.abs(offset)).toBeLessThan(50); // both read the same machine's clock
    const { arrivals, admittedArrivals } = await gateway.arrivals();
    expect(arrivals).toHaveLength(3);
    expect(admittedArrivals).toHaveLength(2);
    for (const at of arrivals) {
      expect(at - offset).toBeGreaterThanOrEqual(before - 5);
      expect(at - offset).toBeLessThanOrEqual(after + 5);
    }
    expect((await gateway.stats(false)).maxPerSecond).toEqual({ all: 3, admitted: 2 });
  });

  it("serves each delivered notification with its request's arrival, picked by openId prefix", async () => {
    await gateway.configure({ limitRps: 0 });
    await gateway.reset();
    expect((await send(["2088a1", "2088b1", "2088a2"])).resultCode).toBe("SUCCESS");
    expect((await send(["2088b2", "2088a1"])).resultCode).toBe("SUCCESS");
    const { arrivals } = await gateway.arrivals();
    expect(arrivals).toHaveLength(2);
    // 2088a1 came twice: counted twice, one distinct openId.
    expect(await gateway.counts()).toMatchObject({ deliveredCount: 5, deliveredOpenIds: 4 });
    // A notification's time is its request's arrival stamp, the one the limiter judged.
    expect(await gateway.deliveries()).toEqual({
      openIds: ["2088a1", "2088b1", "2088a2", "2088b2", "2088a1"],
      at: [arrivals[0], arrivals[0], arrivals[0], arrivals[1], arrivals[1]],
    });
    expect(await gateway.deliveries("2088b")).toEqual({
      openIds: ["2088b1", "2088b2"],
      at: [arrivals[0], arrivals[1]],
    });
    expect(await gateway.deliveries("2088c")).toEqual({ openIds: [], at: [] });
  });

  it("changes settings at runtime and clears its records on reset", async () => {
    expect(await gateway.configure({ exceedStatus: "F", limitRps: 0 })).toMatchObject({
      exceedStatus: "F",
      limitRps: 0,
    });
    await expect(gateway.configure({ exceedStatus: "X" as "F" })).rejects.toThrow(/HTTP 400.*exceedStatus/);
    await gateway.reset();
    expect(await gateway.counts()).toMatchObject({ requests: 0, deliveredCount: 0, deliveredOpenIds: 0, byResult: {} });
  });

  it("is gone after close()", async () => {
    const { pid } = gateway;
    await gateway.close();
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(fetch(`${gateway.url}/_counts`)).rejects.toThrow();
  });
});
