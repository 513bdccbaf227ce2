import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ELEMENT_FIELD,
  MAX_NOTIFICATION_CHARS,
  NotificationInputSchema,
  validateMerchantId,
  validateNotifications,
} from "../../src/core/notification";

const OPEN_ID = "1234567890abcdefghijk1234567890ab";
const CODE = "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL";
const good = (templateValue: unknown = `{"billCount":"5"}`) => ({ openId: OPEN_ID, templateCode: CODE, templateValue });

/** The overhead of an element around its templateValue text, to build elements of an exact length. */
function elementWithLength(
  chars: number,
  filler = "x",
): { openId: string; templateCode: string; templateValue: string } {
  const base = JSON.stringify({ openId: OPEN_ID, templateCode: CODE, templateValue: `{"v":""}` }).length;
  const value = `{"v":"${filler.repeat((chars - base) / filler.length)}"}`;
  const element = good(value) as { openId: string; templateCode: string; templateValue: string };
  expect(JSON.stringify(element).length).toBe(chars);
  return element;
}

describe("validateNotifications accepts", () => {
  it("a JSON string templateValue unchanged", () => {
    const value = `{ "merchantName": "alipay", "redirectUrl": "http://www.alipay.com/index.htm" }`;
    expect(validateNotifications([good(value)])).toEqual({ ok: true, notifications: [good(value)] });
  });

  it("an object templateValue, serialized compactly", () => {
    const r = validateNotifications([good({ billCount: "5", nested: { a: [1, "é"] } })]);
    expect(r).toEqual({ ok: true, notifications: [good(`{"billCount":"5","nested":{"a":[1,"é"]}}`)] });
  });

  it("an element of exactly 300 characters of compact JSON", () => {
    expect(validateNotifications([elementWithLength(MAX_NOTIFICATION_CHARS)]).ok).toBe(true);
  });

  it("many elements, keeping their order", () => {
    const items = Array.from({ length: 250 }, (_, i) => ({ ...good(), openId: `id-${i}` }));
    const r = validateNotifications(items);
    expect(r.ok && r.notifications.map((n) => n.openId)).toEqual(items.map((n) => n.openId));
  });
});

describe("validateNotifications refuses", () => {
  it("an element of 301 characters", () => {
    const r = validateNotifications([elementWithLength(MAX_NOTIFICATION_CHARS + 1)]);
    expect(r).toEqual({
      ok: false,
      errors: [{ index: 0, field: ELEMENT_FIELD, problem: expect.stringContaining("301") as unknown as string }],
    });
  });

  it("counts UTF-16 code units, as AlipayHK's Java String.length() does (an emoji is 2)", () => {
    const base = JSON.stringify(good(`{"v":""}`)).length;
    const emojis = Math.floor((MAX_NOTIFICATION_CHARS - base) / 2);
    const pad = "x".repeat((MAX_NOTIFICATION_CHARS - base) % 2);
    const at300 = good(`{"v":"${pad}${"😀".repeat(emojis)}"}`);
    const at301 = good(`{"v":"x${pad}${"😀".repeat(emojis)}"}`);
    expect(JSON.stringify(at300).length).toBe(300);
    expect(validateNotifications([at300]).ok).toBe(true);
    // 301 code units, but far fewer than 300 code points: refused all the same.
    expect([...JSON.stringify(at301)].length).toBeLessThan(300);
    expect(validateNotifications([at301]).ok).toBe(false);
  });

  it("counts the escaping that a string templateValue gains inside the element's JSON", () => {
    // Each \" inside templateValue (2 characters) is written \\\" on the wire (4 characters).
    const base = JSON.stringify(good(`{"v":""}`)).length;
    const quotes = Math.floor((MAX_NOTIFICATION_CHARS - base) / 4);
    const pad = "x".repeat((MAX_NOTIFICATION_CHARS - base) % 4);
    const at300 = good(`{"v":"${pad}${'\\"'.repeat(quotes)}"}`);
    const over = good(`{"v":"${pad}${'\\"'.repeat(quotes + 1)}"}`);
    expect(JSON.stringify(at300).length).toBe(300);
    expect(validateNotifications([at300]).ok).toBe(true);
    expect(validateNotifications([over]).ok).toBe(false);
  });

  it("templateValue strings that do not hold a JSON object", () => {
    for (const bad of ["", "not json", "[]", "null", "5", `"{}"`, `{"a":1`]) {
      const r = validateNotifications([good(bad)]);
      expect(r).toEqual({ ok: false, errors: [{ index: 0, field: "templateValue", problem: expect.any(String) }] });
    }
  });

  it("templateValue values that are neither a string nor a plain object", () => {
    for (const bad of [[], [1], 5, true, null, new Date(0)]) {
      expect(validateNotifications([good(bad)])).toMatchObject({
        ok: false,
        errors: [{ index: 0, field: "templateValue" }],
      });
    }
  });

  it("an object templateValue that cannot be serialized", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [cyclic, { n: 1n }]) {
      expect(validateNotifications([good(bad)])).toEqual({
        ok: false,
        errors: [{ index: 0, field: "templateValue", problem: "cannot be serialized as JSON" }],
      });
    }
  });

  it("empty, missing and non-string openId and templateCode, each named", () => {
    const r = validateNotifications([
      { templateCode: "", templateValue: "{}" },
      { openId: 7, templateCode: null, templateValue: "{}" },
    ]);
    expect(r).toEqual({
      ok: false,
      errors: [
        { index: 0, field: "openId", problem: "is required" },
        { index: 0, field: "templateCode", problem: "must not be empty" },
        { index: 1, field: "openId", problem: "must be a string" },
        { index: 1, field: "templateCode", problem: "must be a string" },
      ],
    });
  });

  it("unknown fields, naming each one, so that typos are caught", () => {
    const r = validateNotifications([{ openId: OPEN_ID, templateCode: CODE, templateValu: "{}", extra: 1 }]);
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors.map((e) => e.field).sort()).toEqual(["extra", "templateValu", "templateValue"]);
    expect(errors.find((e) => e.field === "templateValue")?.problem).toBe("is required");
  });

  it("elements that are not objects", () => {
    for (const bad of [null, "x", 3, [good()]]) {
      expect(validateNotifications([bad])).toMatchObject({ ok: false, errors: [{ index: 0, field: ELEMENT_FIELD }] });
    }
  });

  it("reporting every bad element and every bad field, not just the first", () => {
    const r = validateNotifications([
      good(),
      { openId: "", templateCode: "", templateValue: "[]", typo: true },
      good(),
      elementWithLength(400),
      null,
    ]);
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors.map((e) => `${e.index}:${e.field}`).sort()).toEqual(
      ["1:openId", "1:templateCode", "1:templateValue", "1:typo", `3:${ELEMENT_FIELD}`, `4:${ELEMENT_FIELD}`].sort(),
    );
  });
});

describe("validateMerchantId", () => {
  it("accepts 1 to 64 characters", () => {
    expect(validateMerchantId("2160400000000177")).toEqual({ ok: true, merchantId: "2160400000000177" });
    expect(validateMerchantId("m".repeat(64))).toEqual({ ok: true, merchantId: "m".repeat(64) });
  });

  it("refuses empty, too long, missing and non-string values", () => {
    expect(validateMerchantId("")).toEqual({ ok: false, problem: "must not be empty" });
    expect(validateMerchantId("m".repeat(65))).toEqual({ ok: false, problem: "must be at most 64 characters" });
    expect(validateMerchantId(undefined)).toEqual({ ok: false, problem: "is required" });
    expect(validateMerchantId(2160400000000177)).toEqual({ ok: false, problem: "must be a string" });
  });
});

describe("NotificationInputSchema for the OpenAPI document", () => {
  it("describes a strict object with the three fields and both templateValue forms", () => {
    const schema = z.toJSONSchema(NotificationInputSchema, { io: "input" }) as Record<string, unknown>;
    expect(schema).toMatchObject({
      type: "object",
      required: ["openId", "templateCode", "templateValue"],
      additionalProperties: false,
      properties: {
        openId: { type: "string", minLength: 1 },
        templateCode: { type: "string", minLength: 1 },
        templateValue: { anyOf: [{ type: "string" }, { type: "object" }] },
      },
    });
    expect(schema.examples ?? schema.example).toBeDefined();
  });

  it("its example is itself valid", () => {
    const meta = NotificationInputSchema.meta() as { example?: unknown } | undefined;
    expect(validateNotifications([meta?.example]).ok).toBe(true);
  });
});
