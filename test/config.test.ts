import { describe, expect, it } from "vitest";
import { type Config, describeConfig, fieldOf, parseConfig, SETTING_NAMES, SETTINGS } from "../src/config";

// Distinctive secret values, so any leak into a message or summary is found by a plain substring search.
const PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nPRIVATEkeyMATERIALzq9\n-----END RSA PRIVATE KEY-----";
const API_KEY_1 = "apikeyONEzq9secret0000";
const API_KEY_2 = "apikeyTWOzq9secret0000";
const WEBHOOK_BYTES = new TextEncoder().encode("whkeyBYTESzq9secret!");
const WEBHOOK_BASE64 = btoa(String.fromCharCode(...WEBHOOK_BYTES));
const WEBHOOK_SECRET = `whsec_${WEBHOOK_BASE64}`;
const SECRETS = ["PRIVATEkeyMATERIALzq9", API_KEY_1, API_KEY_2, WEBHOOK_BASE64, "whkeyBYTESzq9"];

const VALID = {
  ALIPAY_GATEWAY_URL: "https://open.alipay.hk/api/alipay/intl/user/inform/delegateSendNotification.htm",
  ALIPAY_CLIENT_ID: "2020120912345678",
  ALIPAY_PRIVATE_KEY: PRIVATE_KEY,
  ALIPAY_PUBLIC_KEY: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA",
  RELAY_API_KEYS: API_KEY_1,
};

function parsed(env: Record<string, unknown>): Config {
  const result = parseConfig(env);
  if (!result.ok) throw new Error(`expected a valid configuration, got ${JSON.stringify(result.errors)}`);
  return result.config;
}

function errorsOf(env: Record<string, unknown>) {
  const result = parseConfig(env);
  if (result.ok) throw new Error(`expected errors for ${JSON.stringify(env)}`);
  return result.errors;
}

describe("parseConfig defaults", () => {
  it("fills every optional setting with its documented default", () => {
    expect(parsed(VALID)).toEqual({
      gatewayUrl: VALID.ALIPAY_GATEWAY_URL,
      clientId: "2020120912345678",
      privateKey: PRIVATE_KEY,
      publicKey: VALID.ALIPAY_PUBLIC_KEY,
      signAlgorithm: "RSA",
      maxRps: 10,
      dedupHours: 24,
      maxDedupKeys: 100_000,
      apiKeys: [{ token: API_KEY_1 }],
      adminKeys: [],
      metricsKeys: [],
      callers: {},
      callbackAllowLocal: false,
      maxNotificationsPerRequest: 10_000,
      maxBodyBytes: 4 * 1024 * 1024,
      maxUnverifiedBodyBytes: 1024 * 1024,
      maxUnverifiedBodies: 4,
      maxBacklogBatches: 20_000,
      maxSendAfterHours: 168,
      maxInFlight: 64,
      paceGuardMs: 20,
      sendTimeoutMs: 10_000,
      maxAttempts: 5,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      maxWaitSeconds: 60,
      maxWaitsPerCaller: 10,
      maxCallbacksInFlight: 4,
      maxCallbacksInFlightPerCaller: 2,
      maxPendingCallbacks: 1000,
      jobRetentionHours: 168,
      breakerProbeSeconds: 30,
      storageCapBytes: 10_000_000_000,
      utcOffsetMinutes: 480,
      sourceKeys: {},
    } satisfies Config);
  });

  it("treats empty and whitespace-only values as unset", () => {
    const config = parsed({ ...VALID, ALIPAY_MERCHANT_ID: "", ALIPAY_MAX_RPS: "  ", ALIPAY_SIGN_ALGORITHM: "" });
    expect(config.merchantId).toBeUndefined();
    expect(config.maxRps).toBe(10);
    expect(config.signAlgorithm).toBe("RSA");
  });
});

describe("parseConfig values", () => {
  it("reads every setting given, trimming whitespace", () => {
    const config = parsed({
      ...VALID,
      ALIPAY_CLIENT_ID: " client-1 ",
      ALIPAY_MERCHANT_ID: "2188120000000001",
      ALIPAY_SIGN_ALGORITHM: "RSA2",
      ALIPAY_MAX_RPS: "2.5",
      RELAY_API_KEYS: ` ${API_KEY_1} ,, ${API_KEY_2},`,
      RELAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      RELAY_MAX_NOTIFICATIONS_PER_REQUEST: "500",
      RELAY_MAX_BODY_BYTES: "1048576",
      RELAY_MAX_BACKLOG_BATCHES: "7",
      RELAY_MAX_IN_FLIGHT: "6",
      RELAY_SEND_TIMEOUT_MS: "2500",
      RELAY_MAX_ATTEMPTS: "3",
      RELAY_RETRY_BASE_MS: "200",
      RELAY_RETRY_MAX_MS: "200",
      RELAY_MAX_WAIT_SECONDS: "0",
      RELAY_JOB_RETENTION_HOURS: "24",
      RELAY_UTC_OFFSET_MINUTES: "-300",
    });
    expect(config).toMatchObject({
      clientId: "client-1",
      merchantId: "2188120000000001",
      signAlgorithm: "RSA2",
      maxRps: 2.5,
      apiKeys: [{ token: API_KEY_1 }, { token: API_KEY_2 }],
      maxNotificationsPerRequest: 500,
      maxBodyBytes: 1_048_576,
      maxBacklogBatches: 7,
      maxInFlight: 6,
      sendTimeoutMs: 2500,
      maxAttempts: 3,
      retryBaseMs: 200,
      retryMaxMs: 200,
      maxWaitSeconds: 0,
      jobRetentionHours: 24,
      utcOffsetMinutes: -300,
    });
    expect(config.webhookSecret).toEqual([WEBHOOK_BYTES]);
  });

  it("accepts numbers given as numbers (TOML [vars] without quotes)", () => {
    expect(parsed({ ...VALID, ALIPAY_MAX_RPS: 50, RELAY_MAX_ATTEMPTS: 7 })).toMatchObject({
      maxRps: 50,
      maxAttempts: 7,
    });
  });

  it("accepts the bounds themselves", () => {
    expect(parsed({ ...VALID, ALIPAY_MAX_RPS: "1000" }).maxRps).toBe(1000);
    expect(parsed({ ...VALID, ALIPAY_MAX_RPS: "0.01" }).maxRps).toBe(0.01);
    expect(parsed({ ...VALID, RELAY_UTC_OFFSET_MINUTES: "-720" }).utcOffsetMinutes).toBe(-720);
    expect(parsed({ ...VALID, RELAY_UTC_OFFSET_MINUTES: "+840" }).utcOffsetMinutes).toBe(840);
    expect(
      parsed({ ...VALID, ALIPAY_CLIENT_ID: "c".repeat(32), ALIPAY_MERCHANT_ID: "m".repeat(64) }).clientId,
    ).toHaveLength(32);
    for (const url of [
      "http://127.0.0.1:8788/gateway",
      "http://127.9.8.7/g",
      "http://localhost:8788/g",
      "http://[::1]:8788/g",
    ]) {
      expect(parsed({ ...VALID, ALIPAY_GATEWAY_URL: url }).gatewayUrl).toBe(url);
    }
    expect(parsed({ ...VALID, RELAY_MAX_BODY_BYTES: String(32 * 1024 * 1024) }).maxBodyBytes).toBe(32 * 1024 * 1024);
  });

  it("needs only one of RELAY_API_KEYS and RELAY_WEBHOOK_SECRET", () => {
    const { RELAY_API_KEYS: _, ...withoutKeys } = VALID;
    expect(parsed({ ...withoutKeys, RELAY_WEBHOOK_SECRET: WEBHOOK_SECRET })).toMatchObject({ apiKeys: [] });
    expect(parsed(VALID).webhookSecret).toBeUndefined();
    expect(errorsOf(withoutKeys)).toEqual([
      { setting: "RELAY_API_KEYS", problem: expect.stringContaining("RELAY_WEBHOOK_SECRET") },
    ]);
  });
});

describe("several webhook and callback secrets", () => {
  const secretOf = (fill: number) => new Uint8Array(24).fill(fill);
  const whsec = (bytes: Uint8Array) => `whsec_${btoa(String.fromCharCode(...bytes))}`;

  it("a comma-separated list of each, in order; the summary counts them", () => {
    const config = parsed({
      ...VALID,
      RELAY_WEBHOOK_SECRET: `${whsec(secretOf(1))}, ${whsec(secretOf(2))}`,
      RELAY_CALLBACK_SECRET: `${whsec(secretOf(3))},${whsec(secretOf(4))},${whsec(secretOf(5))}`,
    });
    expect(config.webhookSecret).toEqual([secretOf(1), secretOf(2)]);
    expect(config.callbackSecret).toEqual([secretOf(3), secretOf(4), secretOf(5)]);
    expect(describeConfig(config)).toMatchObject({ RELAY_WEBHOOK_SECRET: 2, RELAY_CALLBACK_SECRET: 3 });
  });

  it("refuses a callback secret that is also a webhook secret, naming both settings and never the value", () => {
    const shared = whsec(secretOf(9));
    for (const [webhook, callback, which] of [
      [shared, shared, "the secret"],
      [`${whsec(secretOf(1))},${shared}`, `${whsec(secretOf(3))},${shared}`, "secret 2 of 2"],
      [shared, `${shared},${whsec(secretOf(3))}`, "secret 1 of 2"],
    ] as const) {
      const errors = errorsOf({ ...VALID, RELAY_WEBHOOK_SECRET: webhook, RELAY_CALLBACK_SECRET: callback });
      expect(errors).toEqual([
        { setting: "RELAY_CALLBACK_SECRET", problem: expect.stringContaining("RELAY_WEBHOOK_SECRET") },
      ]);
      expect(errors[0]!.problem).toContain(which);
      expect(JSON.stringify(errors)).not.toContain(shared.slice(6));
    }
    // Different secrets are fine.
    expect(
      parsed({ ...VALID, RELAY_WEBHOOK_SECRET: whsec(secretOf(1)), RELAY_CALLBACK_SECRET: whsec(secretOf(2)) })
        .callbackSecret,
    ).toHaveLength(1);
  });
});

describe("parseConfig errors", () => {
  const BAD: [setting: string, value: unknown, problem: RegExp][] = [
    ["ALIPAY_GATEWAY_URL", "not a url", /absolute URL/],
    ["ALIPAY_GATEWAY_URL", "/api/relative", /absolute URL/],
    ["ALIPAY_GATEWAY_URL", "ftp://open.alipay.hk/x", /https/],
    ["ALIPAY_GATEWAY_URL", "https://user:pass@open.alipay.hk/x", /user name or password/],
    ["ALIPAY_GATEWAY_URL", "http://open.alipay.hk/x", /http is allowed only for a loopback host/],
    ["ALIPAY_GATEWAY_URL", "http://10.0.0.1/x", /loopback/],
    ["ALIPAY_GATEWAY_URL", "http://127.0.0.1.example.com/x", /loopback/],
    ["ALIPAY_CLIENT_ID", "c".repeat(33), /at most 32 characters, got 33/],
    ["ALIPAY_CLIENT_ID", "has space", /visible ASCII/],
    ["ALIPAY_MERCHANT_ID", "m".repeat(65), /at most 64 characters, got 65/],
    ["ALIPAY_SIGN_ALGORITHM", "RSA256", /RSA .* or RSA2 .*got "RSA256"/],
    ["ALIPAY_SIGN_ALGORITHM", "rsa2", /got "rsa2"/],
    ["ALIPAY_MAX_RPS", "0", /number above 0 and at most 1000, got "0"/],
    ["ALIPAY_MAX_RPS", "-1", /above 0/],
    ["ALIPAY_MAX_RPS", "1000.5", /at most 1000/],
    ["ALIPAY_MAX_RPS", "1e3", /above 0/],
    ["ALIPAY_MAX_RPS", ".5", /above 0/],
    ["ALIPAY_MAX_RPS", "10 rps", /above 0/],
    ["ALIPAY_MAX_RPS", "Infinity", /above 0/],
    ["ALIPAY_MAX_RPS", true, /must be text/],
    ["RELAY_MAX_NOTIFICATIONS_PER_REQUEST", "0", /integer from 1 to 40000/],
    ["RELAY_MAX_NOTIFICATIONS_PER_REQUEST", "40001", /integer from 1 to 40000/],
    ["RELAY_MAX_NOTIFICATIONS_PER_REQUEST", "1.5", /integer/],
    ["RELAY_MAX_BODY_BYTES", "1023", /integer from 1024/],
    // The body is buffered: 100 MiB would not fit beside anything else in a 128 MB isolate.
    ["RELAY_MAX_BODY_BYTES", String(32 * 1024 * 1024 + 1), /integer from 1024 to 33554432/],
    ["RELAY_MAX_BACKLOG_BATCHES", "0", /integer from 1/],
    ["RELAY_MAX_IN_FLIGHT", "1001", /integer from 1 to 1000/],
    ["RELAY_SEND_TIMEOUT_MS", "99", /integer from 100/],
    ["RELAY_MAX_ATTEMPTS", "0", /integer from 1 to 100/],
    ["RELAY_RETRY_BASE_MS", "9", /integer from 10/],
    ["RELAY_RETRY_MAX_MS", "999", /at least RELAY_RETRY_BASE_MS \(1000\), got 999/],
    ["RELAY_MAX_WAIT_SECONDS", "301", /integer from 0 to 300/],
    ["RELAY_MAX_WAIT_SECONDS", "-1", /integer from 0 to 300/],
    ["RELAY_JOB_RETENTION_HOURS", "8761", /integer from 1 to 8760/],
    ["RELAY_UTC_OFFSET_MINUTES", "841", /integer from -720 to 840/],
    ["RELAY_UTC_OFFSET_MINUTES", "8:00", /integer/],
    ["RELAY_API_KEYS", " , ,", /holds no keys/],
    ["RELAY_API_KEYS", "short-key", /^key 1 of 1 is too short; each key needs at least 16 characters$/],
    ["RELAY_API_KEYS", `${API_KEY_1},short-key`, /^key 2 of 2 is too short/],
    ["RELAY_ADMIN_KEYS", "short-key", /^key 1 of 1 is too short/],
    ["RELAY_API_KEYS", "sixteen chars but spaces", /characters a bearer token cannot carry/],
    ["RELAY_WEBHOOK_SECRET", WEBHOOK_BASE64, /whsec_/],
    ["RELAY_WEBHOOK_SECRET", "whsec_not*base64*at*all", /whsec_/],
    ["RELAY_WEBHOOK_SECRET", `whsec_${btoa("fifteen bytes!!")}`, /at least 16 bytes/],
    ["RELAY_WEBHOOK_SECRET", `${WEBHOOK_SECRET},${WEBHOOK_BASE64}`, /^secret 2 of 2 must be whsec_/],
    ["RELAY_CALLBACK_SECRET", ", ,", /holds no secrets/],
  ];

  it.each(BAD)("reports %s = %j as one error naming that setting", (setting, value, problem) => {
    const errors = errorsOf({ ...VALID, [setting]: value });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.setting).toBe(setting);
    expect(errors[0]!.problem).toMatch(problem);
  });

  it("reports every missing required setting, not only the first", () => {
    const errors = errorsOf({});
    expect(errors.map((error) => error.setting).sort()).toEqual([
      "ALIPAY_CLIENT_ID",
      "ALIPAY_GATEWAY_URL",
      "ALIPAY_PRIVATE_KEY",
      "ALIPAY_PUBLIC_KEY",
      "RELAY_API_KEYS",
    ]);
    expect(errors.filter((error) => error.setting.startsWith("ALIPAY_")).every((e) => /required/.test(e.problem))).toBe(
      true,
    );
  });

  it("reports several bad values at once, one error each", () => {
    const errors = errorsOf({
      ...VALID,
      ALIPAY_PRIVATE_KEY: "   ",
      ALIPAY_SIGN_ALGORITHM: "RSA3",
      ALIPAY_MAX_RPS: "fast",
      RELAY_MAX_ATTEMPTS: "-2",
      RELAY_WEBHOOK_SECRET: "whsec_",
    });
    expect(errors.map((error) => error.setting).sort()).toEqual([
      "ALIPAY_MAX_RPS",
      "ALIPAY_PRIVATE_KEY",
      "ALIPAY_SIGN_ALGORITHM",
      "RELAY_MAX_ATTEMPTS",
      "RELAY_WEBHOOK_SECRET",
    ]);
  });

  it("reports a value that is not text once, not also as missing", () => {
    expect(errorsOf({ ...VALID, ALIPAY_CLIENT_ID: { id: 1 } })).toEqual([
      { setting: "ALIPAY_CLIENT_ID", problem: "must be text, got a value of type object" },
    ]);
  });
});

describe("secrets stay out of messages and summaries", () => {
  const variants: Record<string, unknown>[] = [
    VALID,
    { ...VALID, RELAY_API_KEYS: `${API_KEY_1},${API_KEY_2}`, RELAY_WEBHOOK_SECRET: WEBHOOK_SECRET },
    {
      ...VALID,
      ALIPAY_CLIENT_ID: "",
      RELAY_API_KEYS: `${API_KEY_1},${API_KEY_2}`,
      RELAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
    },
    { ...VALID, RELAY_API_KEYS: `${API_KEY_1},${API_KEY_2} x`, RELAY_WEBHOOK_SECRET: `${WEBHOOK_SECRET}!` },
    { ...VALID, RELAY_API_KEYS: `${API_KEY_1},zq9`, RELAY_WEBHOOK_SECRET: WEBHOOK_BASE64 },
    { ...VALID, ALIPAY_PRIVATE_KEY: { key: PRIVATE_KEY }, RELAY_WEBHOOK_SECRET: `whsec_${WEBHOOK_BASE64.slice(0, 8)}` },
    // Secrets pasted into the wrong (non-secret) settings are described, not echoed.
    { ...VALID, ALIPAY_MAX_RPS: API_KEY_1, ALIPAY_SIGN_ALGORITHM: API_KEY_2, RELAY_MAX_ATTEMPTS: WEBHOOK_SECRET },
    { ...VALID, ALIPAY_GATEWAY_URL: `https://${API_KEY_1}:${API_KEY_2}@open.alipay.hk/` },
    { ...VALID, ALIPAY_GATEWAY_URL: `${API_KEY_1}` },
  ];

  it.each(variants.map((env, index) => [index, env] as const))("variant %i", (_, env) => {
    const result = parseConfig(env);
    const shown = JSON.stringify(result.ok ? describeConfig(result.config) : result.errors);
    for (const secret of SECRETS) expect(shown).not.toContain(secret);
  });

  it("the variants do produce errors where expected (so the search above looks at real messages)", () => {
    const failing = variants.filter((env) => !parseConfig(env).ok);
    expect(failing).toHaveLength(variants.length - 2);
  });
});

describe("describeConfig", () => {
  it("summarises by setting name without key material: keys counted, the gateway cut to its host", () => {
    const config = parsed({
      ...VALID,
      ALIPAY_MERCHANT_ID: "2188120000000001",
      RELAY_API_KEYS: `${API_KEY_1},${API_KEY_2}`,
      RELAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ALIPAY_MAX_RPS: "2.5",
    });
    expect(describeConfig(config)).toEqual({
      ALIPAY_GATEWAY_URL: "open.alipay.hk",
      ALIPAY_CLIENT_ID: "2020120912345678",
      ALIPAY_MERCHANT_ID: "2188120000000001",
      ALIPAY_SIGN_ALGORITHM: "RSA",
      ALIPAY_MAX_RPS: 2.5,
      RELAY_API_KEYS: 2,
      RELAY_CALLERS: null,
      RELAY_ADMIN_KEYS: 0,
      RELAY_WEBHOOK_SECRET: 1,
      RELAY_CALLBACK_SECRET: null,
      RELAY_CALLBACK_ALLOW_LOCAL: false,
      RELAY_CALLBACK_HOSTS: null,
      RELAY_SOURCES: null,
      RELAY_DEDUP_HOURS: 24,
      RELAY_MAX_NOTIFICATIONS_PER_REQUEST: 10_000,
      RELAY_MAX_BODY_BYTES: 4 * 1024 * 1024,
      RELAY_MAX_UNVERIFIED_BODY_BYTES: 1024 * 1024,
      RELAY_MAX_UNVERIFIED_BODIES: 4,
      RELAY_MAX_BACKLOG_BATCHES: 20_000,
      RELAY_MAX_IN_FLIGHT: 64,
      RELAY_PACE_GUARD_MS: 20,
      RELAY_SEND_TIMEOUT_MS: 10_000,
      RELAY_MAX_ATTEMPTS: 5,
      RELAY_RETRY_BASE_MS: 1000,
      RELAY_RETRY_MAX_MS: 60_000,
      RELAY_MAX_WAIT_SECONDS: 60,
      RELAY_JOB_RETENTION_HOURS: 168,
      RELAY_BREAKER_PROBE_SECONDS: 30,
      RELAY_STORAGE_CAP_BYTES: 10_000_000_000,
      RELAY_UTC_OFFSET_MINUTES: 480,
      RELAY_METRICS_KEYS: 0,
      RELAY_MAX_SEND_AFTER_HOURS: 168,
      RELAY_MAX_DEDUP_KEYS: 100_000,
      RELAY_MAX_WAITS_PER_CALLER: 10,
      RELAY_MAX_CALLBACKS_IN_FLIGHT: 4,
      RELAY_MAX_CALLBACKS_IN_FLIGHT_PER_CALLER: 2,
      RELAY_MAX_PENDING_CALLBACKS: 1000,
    });
    expect(describeConfig(parsed(VALID))).toMatchObject({
      ALIPAY_MERCHANT_ID: null,
      RELAY_API_KEYS: 1,
      RELAY_WEBHOOK_SECRET: null,
    });
  });
});

describe("RELAY_MAX_BODY_BYTES", () => {
  it("by default fits the largest request: 10,000 elements of 300 characters, pretty-printed", () => {
    // AlipayHK counts 300 characters of compact JSON per element; a templateValue string holding an
    // object spends most of them on escaped quotes, as real requests do.
    const element = (i: number) => {
      const base = {
        openId: `2088${String(i).padStart(28, "0")}`,
        templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
        templateValue: "",
      };
      const room = 300 - JSON.stringify(base).length;
      const value = JSON.stringify({ merchantName: "", redirectUrl: "https://shop.example.hk/bill/" });
      base.templateValue = value.replace('""', `"${"x".repeat(room - JSON.stringify(value).length + 2)}"`);
      expect(JSON.stringify(base)).toHaveLength(300);
      return base;
    };
    const body = JSON.stringify(
      { merchantId: "2160400000000177", notifications: Array.from({ length: 10_000 }, (_, i) => element(i)) },
      null,
      2,
    );
    const bytes = new TextEncoder().encode(body).byteLength;
    expect(bytes).toBeGreaterThan(3_000_000);
    expect(bytes).toBeLessThanOrEqual(parsed(VALID).maxBodyBytes);
  });
});

describe("SETTINGS", () => {
  it("names each setting in SCREAMING_SNAKE with a description, its Config field in camelCase", () => {
    for (const name of SETTING_NAMES) {
      expect(name).toMatch(/^(ALIPAY|RELAY)_[A-Z0-9_]+$/);
      expect(SETTINGS[name].description.length).toBeGreaterThan(20);
    }
    expect(fieldOf("RELAY_MAX_NOTIFICATIONS_PER_REQUEST")).toBe("maxNotificationsPerRequest");
    expect(fieldOf("ALIPAY_MAX_RPS")).toBe("maxRps");
  });

  it("marks the private key, the key lists and the webhook and callback secrets as secret, and nothing else", () => {
    expect(SETTING_NAMES.filter((name) => SETTINGS[name].secret)).toEqual([
      "ALIPAY_PRIVATE_KEY",
      "RELAY_API_KEYS",
      "RELAY_ADMIN_KEYS",
      "RELAY_METRICS_KEYS",
      "RELAY_WEBHOOK_SECRET",
      "RELAY_CALLBACK_SECRET",
    ]);
  });

  it("lists exactly the settings parseConfig reads", () => {
    const read = new Set<string>();
    const spy = new Proxy(VALID, {
      get: (target, name) => {
        read.add(String(name));
        return Reflect.get(target, name);
      },
    });
    parseConfig(spy);
    expect([...read].sort()).toEqual([...SETTING_NAMES].sort());
  });

  it("gives a default to every optional setting except the merchant, the credentials and the sources, and none to required ones", () => {
    const optionalWithoutDefault = [
      "ALIPAY_MERCHANT_ID",
      "RELAY_API_KEYS",
      "RELAY_CALLERS",
      "RELAY_ADMIN_KEYS",
      "RELAY_METRICS_KEYS",
      "RELAY_WEBHOOK_SECRET",
      "RELAY_CALLBACK_SECRET",
      "RELAY_CALLBACK_HOSTS",
      "RELAY_SOURCES",
      "RELAY_METRICS_KEYS",
    ];
    for (const name of SETTING_NAMES) {
      const setting = SETTINGS[name];
      const expectDefault = !setting.required && !optionalWithoutDefault.includes(name);
      expect(setting.default !== null, name).toBe(expectDefault);
    }
  });

  it("every default parses (a default outside its own range would fail at start)", () => {
    const result = parseConfig(VALID);
    expect(result.ok).toBe(true);
  });
});
