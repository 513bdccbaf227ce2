/**
 * RELAY_SOURCES is read once, with every problem named by where it is: the declaration's schema, JSON
 * syntax, a file reference, and what it needs of other settings (its secrets, a merchant, callbacks).
 */
import { describe, expect, it } from "vitest";
import example from "../../examples/sources.json";
import { parseConfig } from "../../src/config";
import { parseSourcesJson, parseSourcesSetting } from "../../src/sources/parse";

const BASE = {
  ALIPAY_GATEWAY_URL: "https://open.alipay.hk/api/alipay/intl/user/inform/delegateSendNotification.htm",
  ALIPAY_CLIENT_ID: "211020000000000000044",
  ALIPAY_MERCHANT_ID: "2160400000000177",
  ALIPAY_PRIVATE_KEY: "checked-at-import",
  ALIPAY_PUBLIC_KEY: "checked-at-import",
  RELAY_API_KEYS: "test-key-alpha-0123456789",
};
const SECRETS = {
  SHOPIFY_WEBHOOK_SECRET: "shpss_0123456789abcdef0123456789abcdef",
  STRIPE_WEBHOOK_SECRET: "whsec_Yk3uR8vQ1nT6wZ0pL4sD9fH2jG5bM7cX",
};

function problems(declaration: unknown): string[] {
  const parsed = parseSourcesJson(JSON.stringify(declaration));
  return parsed.ok ? [] : parsed.problems;
}

const source = (changes: Record<string, unknown> = {}) => ({ ...example.shopify, ...changes });

describe("the declaration", () => {
  it("reads examples/sources.json: two sources, paths and templates parsed", () => {
    const parsed = parseSourcesJson(JSON.stringify(example));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(Object.keys(parsed.value)).toEqual(["shopify", "stripe"]);
    const paid = parsed.value.shopify!.events["orders/paid"]!;
    expect(paid.openId[0]!.steps).toEqual([
      { kind: "member", name: "note_attributes" },
      { kind: "match", member: "name", value: "alipayhk_open_id" },
      { kind: "member", name: "value" },
    ]);
    expect(parsed.value.stripe!.expiresAfter).toBe(24 * 3600 * 1000);
    expect(parsed.value.stripe!.events["checkout.session.completed"]!.templateValue.amount).toMatchObject({
      kind: "amount",
      minorUnits: true,
      locale: "en-HK",
    });
  });

  it("names every problem, each where it is, in one pass", () => {
    const found = problems({
      "Bad Name": source(),
      shop: {
        provider: "shopfiy",
        secrets: ["shpss_0123456789abcdef0123456789abcdef"],
        expiresAfter: "1 day",
        maxBodyBytes: 10,
        colour: "blue",
        events: {
          "orders/paid": {
            openId: "note_attributes[name=alipayhk_open_id.value",
            templateCode: "",
            templateValue: {
              amount: { amount: "total_price" },
              link: { url: "https://shop.example/{{id" },
              other: 7,
              fixed: { field: 2 },
            },
          },
        },
      },
    });
    expect(found).toEqual([
      '"Bad Name": the name must be 1 to 25 of a-z, 0-9, _ and -, starting with a letter or digit',
      'shop.provider: must be one of "shopify", "stripe", "woocommerce", "standard"',
      "shop.secrets[0]: must name a setting (A-Z, 0-9, _), never hold the secret itself",
      'shop.events["orders/paid"].openId: has [ without its ] at character 16',
      'shop.events["orders/paid"].templateCode: must not be empty',
      'shop.events["orders/paid"].templateValue.amount: needs exactly one of currency (a path) and currencyCode (a fixed code)',
      'shop.events["orders/paid"].templateValue.link.url: has {{ without its }}',
      'shop.events["orders/paid"].templateValue.other: must be text, or an object with one of field, text, url or amount',
      'shop.events["orders/paid"].templateValue.fixed.field: must be a path, or a list of paths tried in order',
      "shop.expiresAfter: must be a number and a unit: 90s, 30m, 24h or 7d",
      "shop.maxBodyBytes: must be at least 1024",
      'shop: has unknown field "colour"',
    ]);
  });

  it("a secret pasted where its setting's name belongs is refused without being quoted", () => {
    const pasted = "whsec_Yk3uR8vQ1nT6wZ0pL4sD9fH2jG5bM7cX";
    const found = problems({ stripe: { ...example.stripe, secrets: [pasted] } });
    expect(found).toEqual(["stripe.secrets[0]: must name a setting (A-Z, 0-9, _), never hold the secret itself"]);
    expect(found.join()).not.toContain(pasted);
  });

  it("a JSON syntax error is placed by line and column, a name declared twice is named", () => {
    expect(parseSourcesJson('{\n  "shopify": {\n    "provider": "shopify",\n  }\n}')).toEqual({
      ok: false,
      problems: ["is not a JSON object: expected a string at line 4, column 3"],
    });
    const twice = `{"shopify": ${JSON.stringify(example.shopify)}, "shopify": ${JSON.stringify(example.shopify)}}`;
    expect(parseSourcesJson(twice)).toEqual({ ok: false, problems: ["shopify: is declared twice"] });
    expect(parseSourcesJson("[]")).toMatchObject({
      ok: false,
      problems: ["is not a JSON object: expected a JSON object at line 1, column 1"],
    });
  });

  it("a value naming a file reads it (here the copy bundled into the Worker); another file or a bare word is refused", () => {
    expect(parseSourcesSetting("examples/sources.json")).toMatchObject({ ok: true });
    expect(parseSourcesSetting("./examples/sources.json")).toMatchObject({ ok: true });
    const missing = parseSourcesSetting("config/shop-sources.json");
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.problems[0]).toMatch(
      /^names the file config\/shop-sources.json, which .* is not bundled \(bundled: examples\/sources.json\)$/,
    );
    expect(parseSourcesSetting("shopify")).toEqual({
      ok: false,
      problems: ["must be a JSON object, or the path of a .json file holding one"],
    });
  });
});

describe("RELAY_SOURCES in the configuration", () => {
  it("parses with its secrets into HMAC keys, by source", () => {
    const parsed = parseConfig({ ...BASE, ...SECRETS, RELAY_SOURCES: JSON.stringify(example) });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(Object.keys(parsed.config.sources ?? {})).toEqual(["shopify", "stripe"]);
    expect(new TextDecoder().decode(parsed.config.sourceKeys.stripe![0])).toBe(SECRETS.STRIPE_WEBHOOK_SECRET);
  });

  it("names each declaration problem as its own error of RELAY_SOURCES", () => {
    const declaration = { shopify: source({ provider: "magento", onUnknown: "maybe" }) };
    const parsed = parseConfig({ ...BASE, ...SECRETS, RELAY_SOURCES: JSON.stringify(declaration) });
    expect(parsed).toEqual({
      ok: false,
      errors: [
        {
          setting: "RELAY_SOURCES",
          problem: 'shopify.provider: must be one of "shopify", "stripe", "woocommerce", "standard"',
        },
        { setting: "RELAY_SOURCES", problem: 'shopify.onUnknown: must be one of "retry", "fail"' },
      ],
    });
  });

  it("a named secret that is unset or does not fit its provider is named by its own setting; no merchant, no callback secret", () => {
    const declaration = {
      ...example,
      shopify: {
        ...example.shopify,
        secrets: ["SHOPIFY_WEBHOOK_SECRET", "SHOPIFY_NEXT_SECRET"],
        callbackUrl: "https://shop.example/done",
      },
    };
    const secrets = { SHOPIFY_WEBHOOK_SECRET: "short", STRIPE_WEBHOOK_SECRET: "sk_live_0123456789abcdefghijklmn" };
    const { ALIPAY_MERCHANT_ID: _merchant, ...withoutMerchant } = BASE;
    const parsed = parseConfig({ ...withoutMerchant, ...secrets, RELAY_SOURCES: JSON.stringify(declaration) });
    expect(parsed.ok).toBe(false);
    const errors = parsed.ok ? [] : parsed.errors;
    expect(errors).toEqual([
      {
        setting: "SHOPIFY_WEBHOOK_SECRET",
        problem: "must be at least 16 characters; source shopify (RELAY_SOURCES) verifies its shopify webhooks with it",
      },
      {
        setting: "SHOPIFY_NEXT_SECRET",
        problem: "is not set; source shopify (RELAY_SOURCES) verifies its shopify webhooks with it",
      },
      { setting: "RELAY_SOURCES", problem: "shopify.merchantId: is not set, and neither is ALIPAY_MERCHANT_ID" },
      {
        setting: "RELAY_SOURCES",
        problem: "shopify.callbackUrl: callbacks are not enabled on this relay (RELAY_CALLBACK_SECRET is not set)",
      },
      {
        setting: "STRIPE_WEBHOOK_SECRET",
        problem:
          "must be the endpoint's signing secret, which starts with whsec_ (not an API key); source stripe (RELAY_SOURCES) verifies its stripe webhooks with it",
      },
      { setting: "RELAY_SOURCES", problem: "stripe.merchantId: is not set, and neither is ALIPAY_MERCHANT_ID" },
    ]);
    expect(JSON.stringify(errors)).not.toContain(secrets.STRIPE_WEBHOOK_SECRET);
  });

  it("is optional: without it the relay has no sources", () => {
    const parsed = parseConfig(BASE);
    expect(parsed.ok && parsed.config.sources).toBeUndefined();
    expect(parsed.ok && parsed.config.sourceKeys).toEqual({});
  });
});
