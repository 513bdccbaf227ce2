import { beforeEach, describe, expect, it, vi } from "vitest";
import { Dispatcher } from "../src/hosts/cloudflare/dispatcher";
import type { SubmitRequest } from "../src/engine/api";
import { TestGateway } from "./support/gateway";
import { freshRelay, relay, relayStatus } from "./support/relay";

// The hostile requests of issue 11, through the whole app: each used to be answered wrongly.

const post = (body: string) =>
  relay("/v1/notifications", { method: "POST", body, headers: { "content-type": "application/json" } });

async function expectRefused(
  res: Response,
  code: string,
): Promise<{ errors?: { index?: number; field: string; problem: string }[]; truncated?: boolean }> {
  expect(res.status).toBe(400);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as {
    code: string;
    errors?: { index?: number; field: string; problem: string }[];
    truncated?: boolean;
  };
  expect(body.code).toBe(code);
  return body;
}

async function expectNothingQueued(gateway: TestGateway): Promise<void> {
  expect((await relayStatus()).backlog).toMatchObject({ batches: 0, notifications: 0 });
  expect(gateway.received).toEqual([]);
}

beforeEach(freshRelay);

describe("refused with a 400 that names the field, nothing queued", () => {
  it("a lone surrogate in openId, templateCode or inside templateValue", async () => {
    const gateway = await TestGateway.install();
    for (const [element, field] of [
      [`{"openId":"\\ud800","templateCode":"T","templateValue":{}}`, "openId"],
      [`{"openId":"u","templateCode":"\\udc00T","templateValue":{}}`, "templateCode"],
      [`{"openId":"u","templateCode":"T","templateValue":{"name":"\\ud83d"}}`, "templateValue"],
      [`{"openId":"u","templateCode":"T","templateValue":"{\\"name\\":\\"\\\\ud83d\\"}"}`, "templateValue"],
    ]) {
      const body = await expectRefused(await post(`{"notifications":[${element}]}`), "invalid-request");
      expect(body.errors).toEqual([{ index: 0, field, problem: expect.stringContaining("lone surrogate") }]);
    }
    await expectNothingQueued(gateway);
  });

  it('"merchantId": null (it used to fall back to the default merchant)', async () => {
    const gateway = await TestGateway.install();
    const res = await post(
      `{"merchantId":null,"notifications":[{"openId":"u","templateCode":"T","templateValue":{}}]}`,
    );
    expect((await expectRefused(res, "invalid-request")).errors).toEqual([
      { field: "merchantId", problem: "must be a string" },
    ]);
    await expectNothingQueued(gateway);
  });

  it("an element with 200,000 unknown keys (it used to be a 500)", async () => {
    const gateway = await TestGateway.install();
    const keys = Array.from({ length: 200_000 }, (_, i) => `"k${i}":0`).join(",");
    const res = await post(`{"notifications":[{"openId":"u","templateCode":"T","templateValue":{},${keys}}]}`);
    const body = await expectRefused(res, "invalid-request");
    expect(body.errors).toEqual([
      { index: 0, field: "(element)", problem: expect.stringContaining("spans more than") },
    ]);
    await expectNothingQueued(gateway);
  });

  it("thousands of problems: at most 100 listed, then truncated", async () => {
    const gateway = await TestGateway.install();
    const elements = Array.from(
      { length: 5000 },
      (_, i) => `{"openId":"","templateCode":"T","templateValue":{},"x${i}":1}`,
    );
    const body = await expectRefused(await post(`{"notifications":[${elements.join(",")}]}`), "invalid-request");
    expect(body.errors).toHaveLength(100);
    expect(body.truncated).toBe(true);
    await expectNothingQueued(gateway);
  });
});

describe("an object templateValue is stored for AlipayHK as its exact JSON text", () => {
  it("__proto__ keys, big and huge numbers and repeated keys kept as the caller wrote them", async () => {
    await TestGateway.install();
    const submitted: SubmitRequest[] = [];
    const original = Dispatcher.prototype.submit;
    vi.spyOn(Dispatcher.prototype, "submit").mockImplementation(function (this: Dispatcher, request) {
      submitted.push(request);
      return original.call(this, request);
    });
    const value = `{"__proto__":{"admin":true},"n":12345678901234567890,"m":1e400,"k":1,"k":2}`;
    const res = await post(
      `{"notifications":[{"openId":"u","templateCode":"T","templateValue": ${value.replaceAll(",", ", ")} }]}`,
    );
    expect(res.status).toBe(202);
    expect(submitted[0]?.batches).toEqual([
      { size: 1, infos: JSON.stringify([{ openId: "u", templateCode: "T", templateValue: value }]) },
    ]);
  });
});
