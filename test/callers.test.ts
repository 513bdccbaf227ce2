/**
 * Named callers: `name:key` entries in RELAY_API_KEYS make the caller `caller:<name>` (one caller across
 * its keys, so a key can be rotated without losing its jobs); RELAY_CALLERS gives a named caller a weight
 * and the merchantIds it may submit for, and may name only callers that exist.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { type Config, describeConfig, parseConfig } from "../src/config";
import { worker } from "../src/hosts/cloudflare/worker";
import { callerWeights, mayUseMerchant } from "../src/security/callers";
import { ownerOf } from "../src/security/owner";
import { TestGateway } from "./support/gateway";
import { ADMIN_KEY, expectOutboxEmpty, freshRelay, notifications, relayStatus, setting } from "./support/relay";

const OLD_KEY = "shop-a-key-2026-spring-0001";
const NEW_KEY = "shop-a-key-2026-autumn-0002";
const SHOP_B_KEY = "shop-b-key-0123456789abcdef";
const BARE_KEY = "bare-key-0123456789abcdefgh";
const ALLOWED = "2160400000000177";
const OTHER_MERCHANT = "2160400000000999";

const BASE = {
  ALIPAY_GATEWAY_URL: "https://open.alipay.hk/api/x",
  ALIPAY_CLIENT_ID: "2020120912345678",
  ALIPAY_PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----",
  ALIPAY_PUBLIC_KEY: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA",
};

function configOf(vars: Record<string, string>): Config {
  const result = parseConfig({ ...BASE, ...vars });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

function errorsOf(vars: Record<string, string>) {
  const result = parseConfig({ ...BASE, ...vars });
  if (result.ok) throw new Error("expected configuration errors");
  return result.errors;
}

describe("RELAY_API_KEYS with names", () => {
  it("reads name:key entries beside bare keys; keys sharing a name are one caller", () => {
    const config = configOf({ RELAY_API_KEYS: `shop-a:${OLD_KEY}, ${BARE_KEY}, shop-a:${NEW_KEY}` });
    expect(config.apiKeys).toEqual([
      { token: OLD_KEY, name: "shop-a" },
      { token: BARE_KEY },
      { token: NEW_KEY, name: "shop-a" },
    ]);
    expect(ownerOf({ kind: "named-key", name: "shop-a" })).toBe("caller:shop-a");
  });

  it.each([
    [`Shop:${OLD_KEY}`, /key 1 of 1 has a name that is not/],
    [`-shop:${OLD_KEY}`, /key 1 of 1 has a name that is not/],
    [`${"a".repeat(33)}:${OLD_KEY}`, /key 1 of 1 has a name that is not/],
    [`:${OLD_KEY}`, /key 1 of 1 has a name that is not/],
    [`${BARE_KEY},webhook:${OLD_KEY}`, /key 2 of 2 is named "webhook", a name kept/],
    [`source-shopify:${OLD_KEY}`, /named "source-shopify", a name kept/],
    ["shop-a:short", /key 1 of 1 is too short/],
    [`shop-a:${OLD_KEY}:x`, /characters a bearer token cannot carry/],
  ])("refuses %j, naming the setting and the entry but never the key", (value, problem) => {
    const errors = errorsOf({ RELAY_API_KEYS: value });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.setting).toBe("RELAY_API_KEYS");
    expect(errors[0]!.problem).toMatch(problem);
    expect(errors[0]!.problem).not.toContain(OLD_KEY);
  });
});

describe("RELAY_CALLERS", () => {
  const keys = { RELAY_API_KEYS: `shop-a:${OLD_KEY},shop-b:${SHOP_B_KEY},${BARE_KEY}` };

  it("reads each caller's weight (default 1) and merchants; the summary shows them, and no key", () => {
    const config = configOf({
      ...keys,
      RELAY_CALLERS: `{"shop-a": {"weight": 2.5, "merchants": ["${ALLOWED}", "${ALLOWED}"]}, "shop-b": {}}`,
    });
    expect(config.callers).toEqual({ "shop-a": { weight: 2.5, merchants: [ALLOWED] }, "shop-b": { weight: 1 } });
    const summary = JSON.stringify(describeConfig(config));
    expect(JSON.parse(summary).RELAY_CALLERS).toBe(JSON.stringify(config.callers));
    expect(summary).not.toContain(OLD_KEY);
    expect(configOf(keys).callers).toEqual({});
  });

  it.each([
    ["[]", /JSON object keyed by caller name/],
    ["{shop-a: 1}", /must be a JSON object/],
    ['{"shop-a": {"weight": 0}}', /caller "shop-a" weight: must be a positive number/],
    ['{"shop-a": {"weight": -1}}', /caller "shop-a" weight: must be a positive number/],
    ['{"shop-a": {"weight": 101}}', /caller "shop-a" weight: must be at most 100/],
    ['{"shop-a": {"weight": "2"}}', /caller "shop-a" weight/],
    ['{"shop-a": {"merchants": []}}', /caller "shop-a" merchants: must list at least one/],
    ['{"shop-a": {"merchants": ["has space"]}}', /caller "shop-a" merchants.0: must be visible ASCII/],
    ['{"shop-a": {"wieght": 2}}', /caller "shop-a"/],
    ['{"Shop A": {}}', /is not a caller name/],
    ['{"shop-c": {}}', /names "shop-c", which is no named key of RELAY_API_KEYS \(write that key as shop-c:<key>\)/],
    ['{"webhook": {"weight": 3}}', /names "webhook", but RELAY_WEBHOOK_SECRET is not set/],
  ])("refuses %s with an error naming RELAY_CALLERS", (value, problem) => {
    const errors = errorsOf({ ...keys, RELAY_CALLERS: value });
    expect(errors.map((error) => error.setting)).toEqual(["RELAY_CALLERS"]);
    expect(errors[0]!.problem).toMatch(problem);
  });

  it("gives the engine each caller's weight by the owner its jobs carry, the webhook signer's included", () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const config = configOf({
      ...keys,
      RELAY_WEBHOOK_SECRET: secret,
      RELAY_CALLERS: '{"shop-a": {"weight": 3}, "webhook": {"weight": 0.5}}',
    });
    expect(callerWeights(config)).toEqual({ "caller:shop-a": 3, "caller:webhook": 0.5 });
  });

  it("lets a caller with a merchant list use those merchants only; others, and unnamed keys, any", () => {
    const config = configOf({
      ...keys,
      RELAY_CALLERS: `{"shop-a": {"merchants": ["${ALLOWED}"]}, "shop-b": {"weight": 2}}`,
    });
    expect(mayUseMerchant(config, "shop-a", ALLOWED)).toBe(true);
    expect(mayUseMerchant(config, "shop-a", OTHER_MERCHANT)).toBe(false);
    expect(mayUseMerchant(config, "shop-b", OTHER_MERCHANT)).toBe(true);
    expect(mayUseMerchant(config, undefined, OTHER_MERCHANT)).toBe(true);
  });
});

describe("named callers at the API", () => {
  // The test relay's own settings, with named keys and a merchant list for shop-a.
  const named = {
    ...env,
    RELAY_API_KEYS: `shop-a:${OLD_KEY},shop-a:${NEW_KEY},shop-b:${SHOP_B_KEY}`,
    RELAY_CALLERS: `{"shop-a": {"weight": 2, "merchants": ["${ALLOWED}"]}}`,
  } as unknown as Env;
  const call = (path: string, key: string, init: RequestInit = {}) =>
    worker.fetch(
      new Request(`https://relay.test${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers },
      }),
      named,
    );
  const post = (key: string, body: object) =>
    call("/v1/notifications", key, { method: "POST", body: JSON.stringify(body) });

  beforeEach(freshRelay);

  it("a job made with one of a caller's keys is read with another of its keys; another caller's is not found", async () => {
    await TestGateway.install();
    const res = await post(OLD_KEY, { notifications: notifications(1) });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    expect((await call(`/v1/notifications/${jobId}`, NEW_KEY)).status).toBe(200);
    expect((await call(`/v1/notifications/${jobId}`, SHOP_B_KEY)).status).toBe(404);
  });

  it("a submit for a merchant the caller may not use is 403 merchant-not-allowed and queues nothing", async () => {
    const res = await post(NEW_KEY, { merchantId: OTHER_MERCHANT, notifications: notifications(3) });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ code: "merchant-not-allowed", merchantId: OTHER_MERCHANT });
    // The default merchant (ALIPAY_MERCHANT_ID) is the allowed one: a body without merchantId passes.
    expect(setting("ALIPAY_MERCHANT_ID")).toBe(ALLOWED);
    expect((await relayStatus(ADMIN_KEY)).recentJobs ?? []).toEqual([]);
    await expectOutboxEmpty();
    // Another caller, without a merchant list, may use any merchant.
    await TestGateway.install();
    expect((await post(SHOP_B_KEY, { merchantId: OTHER_MERCHANT, notifications: notifications(1) })).status).toBe(202);
    expect((await post(OLD_KEY, { notifications: notifications(1) })).status).toBe(202);
  });
});
