import { describe, expect, it } from "vitest";
import { z } from "zod/mini";
import {
  ELEMENT_FIELD,
  MAX_NOTIFICATION_CHARS,
  MAX_UNKNOWN_FIELDS_NAMED,
  NotificationInputSchema,
  validateMerchantId,
} from "../../src/core/notification";
import { LONE_SURROGATE } from "../../src/core/request-errors";
import { type Submission, parseSubmission } from "../../src/core/submission";

const OPEN_ID = "1234567890abcdefghijk1234567890ab";
const CODE = "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL";
const good = (templateValue: unknown = `{"billCount":"5"}`) => ({ openId: OPEN_ID, templateCode: CODE, templateValue });

/** Reads `{"notifications": <elements>}`; elements are a value to serialize or the exact text to send. */
function validate(elements: unknown[] | string): Promise<Submission> {
  const list = typeof elements === "string" ? elements : JSON.stringify(elements);
  return parseSubmission(`{"notifications":${list}}`, "2160400000000177", { maxNotifications: 10_000 });
}

/** The wire elements of an accepted submission, parsed back. */
function wireElements(r: Submission): { openId: string; templateCode: string; templateValue: string }[] {
  if (!r.ok) throw new Error(`refused: ${JSON.stringify(r)}`);
  return r.batches.flatMap((b) => JSON.parse(b.infos));
}

/** The one templateValue text an accepted one-element submission sends. */
async function sentTemplateValue(elementText: string): Promise<string> {
  return wireElements(await validate(`[${elementText}]`))[0]!.templateValue;
}

const refused = (errors: { index?: number; field: string; problem: string }[]) => ({
  ok: false,
  kind: "invalid-request",
  errors,
  truncated: false,
  policies: {},
});

/** An element whose compact JSON is exactly `chars` long. */
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

describe("an accepted notification goes on the wire", () => {
  it("with a JSON string templateValue unchanged", async () => {
    const value = `{ "merchantName": "alipay", "redirectUrl": "http://www.alipay.com/index.htm" }`;
    const r = await validate([good(value)]);
    expect(r).toEqual({
      ok: true,
      merchantId: "2160400000000177",
      total: 1,
      batches: [{ size: 1, infos: `[${JSON.stringify(good(value))}]` }],
      policies: {},
    });
  });

  it("takes each notification's dedupKey out of the wire text and carries it with its element's length", async () => {
    const r = await validate([{ ...good("{}"), dedupKey: "order-1" }, good("{}")]);
    if (!r.ok) throw new Error("refused");
    const [batch] = r.batches;
    expect(batch?.infos).not.toContain("dedupKey");
    expect(batch?.dedupKeys).toEqual(["order-1", null]);
    expect(batch?.lengths).toEqual([JSON.stringify(good("{}")).length, JSON.stringify(good("{}")).length]);
  });

  it("refuses a dedupKey that is empty, too long or not a string, naming it", async () => {
    const r = await validate([
      { ...good("{}"), dedupKey: "" },
      { ...good("{}"), dedupKey: "k".repeat(129) },
      { ...good("{}"), dedupKey: 7 },
    ]);
    expect(r.ok).toBe(false);
    if (r.ok || r.kind !== "invalid-request") return;
    expect(r.errors.map((e) => [e.index, e.field])).toEqual([
      [0, "dedupKey"],
      [1, "dedupKey"],
      [2, "dedupKey"],
    ]);
  });

  it("with an object templateValue as its exact text, only whitespace between tokens removed", async () => {
    const text = `{ "billCount" : "5",\n\t"nested": { "a": [ 1, "é \\u00e9  \\"x\\"" ] } }`;
    expect(await sentTemplateValue(`{"openId":"${OPEN_ID}","templateCode":"${CODE}","templateValue":${text}}`)).toBe(
      `{"billCount":"5","nested":{"a":[1,"é \\u00e9  \\"x\\""]}}`,
    );
  });

  it("keeping what a parse and re-serialization would change: __proto__, big and huge numbers, repeated keys", async () => {
    for (const text of [
      `{"__proto__":{"x":1},"constructor":2}`,
      `{"n":12345678901234567890,"m":1e400,"f":0.10000000000000000001,"z":-0}`,
      `{"k":1,"k":2}`,
    ]) {
      expect(await sentTemplateValue(`{"openId":"u","templateCode":"T","templateValue":${text}}`)).toBe(text);
    }
  });

  it("with a surrogate pair (an emoji) written as escapes or as itself", async () => {
    const text = `{"a":"\\ud83d\\ude00😀"}`;
    expect(await sentTemplateValue(`{"openId":"\\ud83d\\ude00","templateCode":"T","templateValue":${text}}`)).toBe(
      text,
    );
  });

  it("at exactly 300 characters of compact JSON", async () => {
    expect((await validate([elementWithLength(MAX_NOTIFICATION_CHARS)])).ok).toBe(true);
  });

  it("in order, 100 to a batch, each batch's infos the exact array text", async () => {
    const items = Array.from({ length: 250 }, (_, i) => ({ ...good(), openId: `id-${i}` }));
    const r = await validate(items);
    expect(r.ok && r.batches.map((b) => b.size)).toEqual([100, 100, 50]);
    expect(r.ok && r.batches[2]?.infos).toBe(JSON.stringify(items.slice(200)));
    expect(wireElements(r).map((n) => n.openId)).toEqual(items.map((n) => n.openId));
  });
});

describe("an element is refused", () => {
  it("at 301 characters", async () => {
    expect(await validate([elementWithLength(MAX_NOTIFICATION_CHARS + 1)])).toEqual(
      refused([{ index: 0, field: ELEMENT_FIELD, problem: expect.stringContaining("301") as unknown as string }]),
    );
  });

  it("counting UTF-16 code units, as AlipayHK's Java String.length() does (an emoji is 2)", async () => {
    const base = JSON.stringify(good(`{"v":""}`)).length;
    const emojis = Math.floor((MAX_NOTIFICATION_CHARS - base) / 2);
    const pad = "x".repeat((MAX_NOTIFICATION_CHARS - base) % 2);
    const at300 = good(`{"v":"${pad}${"😀".repeat(emojis)}"}`);
    const at301 = good(`{"v":"x${pad}${"😀".repeat(emojis)}"}`);
    expect(JSON.stringify(at300).length).toBe(300);
    expect((await validate([at300])).ok).toBe(true);
    expect([...JSON.stringify(at301)].length).toBeLessThan(300);
    expect((await validate([at301])).ok).toBe(false);
  });

  it("counting the escaping an object templateValue gains as a string on the wire", async () => {
    // `{"v":"…"}` as an object is 2 quotes more per key/value once it is a string: \" on the wire.
    const base = JSON.stringify(good(`{"v":""}`)).length;
    const fill = "x".repeat(MAX_NOTIFICATION_CHARS - base);
    const element = (v: string) => `{"openId":"${OPEN_ID}","templateCode":"${CODE}","templateValue":{ "v" : "${v}" }}`;
    expect((await validate(`[${element(fill)}]`)).ok).toBe(true);
    expect((await validate(`[${element(`${fill}x`)}]`)).ok).toBe(false);
  });

  it("when a templateValue string does not hold a JSON object", async () => {
    for (const bad of ["", "not json", "[]", "null", "5", `"{}"`, `{"a":1`]) {
      expect(await validate([good(bad)])).toEqual(
        refused([{ index: 0, field: "templateValue", problem: expect.any(String) as unknown as string }]),
      );
    }
  });

  it("when templateValue is neither a string nor an object", async () => {
    for (const bad of [[], [1], 5, true, null]) {
      expect(await validate([good(bad)])).toMatchObject({ ok: false, errors: [{ index: 0, field: "templateValue" }] });
    }
  });

  it("when a string holds a lone surrogate, naming the field, inside templateValue too", async () => {
    const cases: [string, string][] = [
      [`{"openId":"\\ud800","templateCode":"T","templateValue":{}}`, "openId"],
      [`{"openId":"u","templateCode":"x\\udfff","templateValue":{}}`, "templateCode"],
      [`{"openId":"u","templateCode":"T","templateValue":{"a":"\\ud800"}}`, "templateValue"],
      [`{"openId":"u","templateCode":"T","templateValue":{"\\udc00":1}}`, "templateValue"],
      [`{"openId":"u","templateCode":"T","templateValue":"{\\"a\\":\\"\\\\ud800\\"}"}`, "templateValue"],
      [`{"openId":"u","templateCode":"T","templateValue":"{\\"a\\":\\"\\ud800\\"}"}`, "templateValue"],
    ];
    for (const [element, field] of cases) {
      const r = await validate(`[${element}]`);
      expect(r, element).toMatchObject({ ok: false, errors: [{ index: 0, field, problem: LONE_SURROGATE }] });
    }
  });

  it("for its length alone when templateValue is longer than a whole element (not worth parsing)", async () => {
    const r = await validate(`[{"openId":"u","templateCode":"T","templateValue":{"a":"${"x".repeat(400)}\\ud800"}}]`);
    expect(r).toEqual(
      refused([
        {
          index: 0,
          field: ELEMENT_FIELD,
          problem: expect.stringContaining("AlipayHK allows at most 300") as unknown as string,
        },
      ]),
    );
  });

  it("when openId or templateCode is missing, empty or not a string, each named", async () => {
    const r = await validate([
      { templateCode: "", templateValue: "{}" },
      { openId: 7, templateCode: null, templateValue: "{}" },
    ]);
    expect(r).toEqual(
      refused([
        { index: 0, field: "openId", problem: "is required" },
        { index: 0, field: "templateCode", problem: "must not be empty" },
        { index: 1, field: "openId", problem: "must be a string" },
        { index: 1, field: "templateCode", problem: "must be a string" },
      ]),
    );
  });

  it("for unknown fields, naming each, so that typos are caught", async () => {
    const r = await validate([{ openId: OPEN_ID, templateCode: CODE, templateValu: "{}", extra: 1 }]);
    expect(r.ok).toBe(false);
    const errors = r.ok || r.kind !== "invalid-request" ? [] : r.errors;
    expect(errors.map((e) => e.field).sort()).toEqual(["extra", "templateValu", "templateValue"]);
  });

  it("for many unknown fields, naming a few and counting the rest", async () => {
    const element = { ...good(), ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])) };
    const r = await validate([element]);
    const errors = r.ok || r.kind !== "invalid-request" ? [] : r.errors;
    expect(errors).toHaveLength(MAX_UNKNOWN_FIELDS_NAMED + 1);
    expect(errors.at(-1)).toEqual({
      index: 0,
      field: ELEMENT_FIELD,
      problem: `has ${1000 - MAX_UNKNOWN_FIELDS_NAMED} more unknown fields`,
    });
  });

  it("when a field appears twice (parsers disagree on which copy wins)", async () => {
    const r = await validate(`[{"openId":"a","openId":"b","templateCode":"T","templateValue":{}}]`);
    expect(r).toEqual(refused([{ index: 0, field: "openId", problem: "appears more than once" }]));
  });

  it("when it is not an object", async () => {
    for (const bad of [null, "x", 3, [good()]]) {
      expect(await validate([bad])).toMatchObject({ ok: false, errors: [{ index: 0, field: ELEMENT_FIELD }] });
    }
  });

  it("reporting every bad element and every bad field, not just the first", async () => {
    const r = await validate([
      good(),
      { openId: "", templateCode: "", templateValue: "[]", typo: true },
      good(),
      elementWithLength(400),
      null,
    ]);
    const errors = r.ok || r.kind !== "invalid-request" ? [] : r.errors;
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

  it("refuses empty, too long, missing, non-string and lone-surrogate values", () => {
    expect(validateMerchantId("")).toEqual({ ok: false, problem: "must not be empty" });
    expect(validateMerchantId("m".repeat(65))).toEqual({ ok: false, problem: "must be at most 64 characters" });
    expect(validateMerchantId(undefined)).toEqual({ ok: false, problem: "is required" });
    expect(validateMerchantId(null)).toEqual({ ok: false, problem: "must be a string" });
    expect(validateMerchantId(2160400000000177)).toEqual({ ok: false, problem: "must be a string" });
    expect(validateMerchantId("m\ud800")).toEqual({ ok: false, problem: LONE_SURROGATE });
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

  it("its example is itself valid", async () => {
    const meta = z.globalRegistry.get(NotificationInputSchema) as { example?: unknown } | undefined;
    expect(meta?.example).toBeDefined();
    expect((await validate([meta?.example])).ok).toBe(true);
  });
});
