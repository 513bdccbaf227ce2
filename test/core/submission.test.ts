import { describe, expect, it } from "vitest";
import { ELEMENT_FIELD } from "../../src/core/notification";
import { MAX_REPORTED_ERRORS } from "../../src/core/request-errors";
import { type SliceOptions, type Submission, MAX_ELEMENT_TEXT_CHARS, parseSubmission } from "../../src/core/submission";

const DEFAULT_MERCHANT = "2160400000000177";
const element = (i: number) => `{"openId":"user-${i}","templateCode":"T","templateValue":{"n":${i}}}`;
const list = (n: number, at: (i: number) => string = element) =>
  `[${Array.from({ length: n }, (_, i) => at(i)).join(",")}]`;

function parse(
  text: string,
  options: { merchant?: string | null; max?: number; slicing?: SliceOptions } = {},
): Promise<Submission> {
  const merchant = options.merchant === null ? undefined : (options.merchant ?? DEFAULT_MERCHANT);
  return parseSubmission(text, merchant, { maxNotifications: options.max ?? 10_000 }, options.slicing);
}

const fields = (r: Submission) =>
  r.ok || r.kind !== "invalid-request" ? [] : r.errors.map((e) => `${e.field}: ${e.problem}`);

describe("the body's own fields", () => {
  it("merchantId: the body's, else the configured default", async () => {
    expect(await parse(`{"merchantId":"m-1","notifications":${list(1)}}`)).toMatchObject({
      ok: true,
      merchantId: "m-1",
    });
    expect(await parse(`{"notifications":${list(1)}}`)).toMatchObject({ ok: true, merchantId: DEFAULT_MERCHANT });
  });

  it("merchantId null is refused, not taken for absent", async () => {
    expect(fields(await parse(`{"merchantId":null,"notifications":${list(1)}}`))).toEqual([
      "merchantId: must be a string",
    ]);
  });

  it("merchantId with a lone surrogate, too long, empty, twice, or absent with no default", async () => {
    expect(fields(await parse(`{"merchantId":"\\ud800","notifications":${list(1)}}`))).toEqual([
      expect.stringMatching(/^merchantId: contains a lone surrogate/),
    ]);
    expect(fields(await parse(`{"merchantId":"${"m".repeat(65)}","notifications":${list(1)}}`))).toEqual([
      "merchantId: must be at most 64 characters",
    ]);
    expect(fields(await parse(`{"merchantId":"","notifications":${list(1)}}`))).toEqual([
      "merchantId: must not be empty",
    ]);
    expect(fields(await parse(`{"merchantId":"a","merchantId":"b","notifications":${list(1)}}`))).toEqual([
      "merchantId: appears more than once",
    ]);
    expect(fields(await parse(`{"notifications":${list(1)}}`, { merchant: null }))).toEqual([
      "merchantId: is required (no ALIPAY_MERCHANT_ID default is configured)",
    ]);
  });

  it("notifications missing, not an array, empty or twice; unknown fields named", async () => {
    expect(fields(await parse(`{}`))).toEqual(["notifications: is required"]);
    expect(fields(await parse(`{"notifications":{}}`))).toEqual(["notifications: must be an array"]);
    expect(fields(await parse(`{"notifications":[]}`))).toEqual(["notifications: must hold at least one notification"]);
    expect(fields(await parse(`{"notifications":${list(1)},"notifications":${list(1)}}`))).toEqual([
      "notifications: appears more than once",
    ]);
    expect(fields(await parse(`{"notifications":${list(1)},"extra":[1,{"a":2}]}`))).toEqual([
      "extra: is not a known field (expected merchantId, notifications, sendAfter, expiresAt, onUnknown, callbackUrl)",
    ]);
  });

  it("a body that is valid JSON but not an object", async () => {
    for (const text of ["null", "[]", '"x"', "42", `[${"[".repeat(10_000)}${"]".repeat(10_000)}]`]) {
      expect(fields(await parse(text))).toEqual(["(body): must be a JSON object"]);
    }
  });
});

describe("malformed JSON is told apart from invalid content", () => {
  it("anywhere in the body, even after invalid elements", async () => {
    for (const text of [
      "",
      " ",
      "{",
      `{"notifications":[`,
      `{"notifications":${list(3)}} x`,
      `{"notifications":[null,1,]}`,
      `{"a":1,}`,
      `{"n":"\\x"}`,
    ]) {
      expect(await parse(text), JSON.stringify(text)).toMatchObject({ ok: false, kind: "malformed-json" });
    }
    const r = await parse(`{"merchantId":null,"notifications":[null, 1, {"openId":"\\ud800"}, ${"[".repeat(50_000)}]}`);
    expect(r).toMatchObject({ ok: false, kind: "malformed-json", detail: expect.stringContaining("at character") });
  });
});

describe("limits", () => {
  it("more notifications than allowed: too-many, counted without reading them", async () => {
    expect(await parse(`{"notifications":${list(11, (i) => (i < 10 ? element(i) : "null"))}}`, { max: 10 })).toEqual({
      ok: false,
      kind: "too-many-notifications",
      count: 11,
      limit: 10,
    });
  });

  it("at most 100 errors, then truncated", async () => {
    const r = await parse(`{"notifications":${list(1000, () => "null")}}`);
    expect(r).toMatchObject({ ok: false, kind: "invalid-request", truncated: true });
    expect(r.ok || r.kind !== "invalid-request" || r.errors.length).toBe(MAX_REPORTED_ERRORS);
    const unknownTop = `{"notifications":${list(1)},${Array.from({ length: 500 }, (_, i) => `"x${i}":0`).join(",")}}`;
    expect(await parse(unknownTop)).toMatchObject({ ok: false, kind: "invalid-request", truncated: true });
  });

  it("an element with 200,000 unknown keys is a 400 about that element, never a throw", async () => {
    const keys = Array.from({ length: 200_000 }, (_, i) => `"k${i}":0`).join(",");
    const r = await parse(`{"notifications":[{"openId":"u","templateCode":"T","templateValue":{},${keys}}]}`);
    expect(r).toEqual({
      ok: false,
      kind: "invalid-request",
      truncated: false,
      policies: {},
      errors: [{ index: 0, field: ELEMENT_FIELD, problem: expect.stringContaining(String(MAX_ELEMENT_TEXT_CHARS)) }],
    });
  });

  it("deep nesting anywhere is read without recursion", async () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    expect(fields(await parse(`{"notifications":[${deep}]}`))).toEqual([
      expect.stringMatching(/^\(element\): spans more than/),
    ]);
    expect(
      fields(
        await parse(
          `{"notifications":[{"openId":"u","templateCode":"T","templateValue":{"a":${"[".repeat(500)}${"]".repeat(500)}}}]}`,
        ),
      ),
    ).toEqual([expect.stringMatching(/^\(element\): is \d+ characters/)]);
    expect(fields(await parse(`{"notifications":${list(1)},"x":${deep}}`))).toEqual([
      "x: is not a known field (expected merchantId, notifications, sendAfter, expiresAt, onUnknown, callbackUrl)",
    ]);
  });
});

describe("a large submission is read in slices that yield to the event loop", () => {
  it("10,000 notifications: a yield every slice, and other work runs in between", async () => {
    const text = `{"notifications":${list(10_000)}}`;
    let yields = 0;
    let timerTicks = 0;
    let ticksDuringParse = 0;
    let running = true;
    // A timer that re-arms itself: it can only fire while the parse is waiting in a yield.
    const tick = () => {
      timerTicks++;
      if (running) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const slicing: SliceOptions = {
      elements: 250,
      yieldNow: async () => {
        yields++;
        await new Promise((resolve) => setTimeout(resolve, 0));
        ticksDuringParse = timerTicks;
      },
    };
    const r = await parse(text, { slicing });
    running = false;
    expect(r).toMatchObject({ ok: true, total: 10_000 });
    expect(r.ok && r.batches).toHaveLength(100);
    // One yield per 250 elements (and the odd one for the 128 KiB character bound), never fewer.
    expect(yields).toBeGreaterThanOrEqual(10_000 / 250);
    expect(ticksDuringParse).toBeGreaterThanOrEqual(yields - 1);
  });

  it("a single huge value outside the elements is scanned in slices too", async () => {
    let yields = 0;
    const slicing: SliceOptions = { chars: 10_000, yieldNow: async () => void yields++ };
    const huge = `[${Array.from({ length: 50_000 }, () => "0").join(",")}]`;
    expect(fields(await parse(`{"notifications":${list(1)},"x":{"a":${huge}}}`, { slicing }))).toHaveLength(1);
    expect(yields).toBeGreaterThanOrEqual(huge.length / 10_000 - 1);
  });
});
