import { describe, expect, it } from "vitest";
import {
  cutSignedMessage,
  rawMemberText,
  scanTopLevelMembers,
  scanValue,
  scanValueFrom,
  stringMemberValue,
} from "../../src/core/json-scan";

const RESPONSE_TEXT = `{
  "head" : { "version":"2.0.0", "reqMsgId" : "a\\"b" },
  "body":{"resultInfo":{"resultStatus":"S","resultMsg":"braces } { and ] [ and \\\\ \\" \\u00e9"}}
}`;

function cut(text: string, name = "response"): string {
  const r = rawMemberText(text, name);
  if (!r.ok) throw new Error(`expected ok, got ${r.reason}: ${r.detail}`);
  return r.raw;
}

describe("rawMemberText cuts the value exactly as received", () => {
  it("keeps inner whitespace, escapes and key order byte-for-byte", () => {
    const text = `{"response":${RESPONSE_TEXT},"signature":"abc"}`;
    expect(cut(text)).toBe(RESPONSE_TEXT);
  });

  it("works with members in any order and whitespace between tokens", () => {
    const text = ` \r\n{ "signature" : "x+y/==" ,\t"response"\n:\n${RESPONSE_TEXT}\n } \n`;
    expect(cut(text)).toBe(RESPONSE_TEXT);
  });

  it("is not fooled by a nested response key or the word signature inside values", () => {
    const inner = `{"response":{"signature":"inner"},"note":"\\"signature\\":\\"fake\\"","signature":"nested"}`;
    const text = `{"meta":{"response":"decoy"},"response":${inner},"signature":"outer"}`;
    expect(cut(text)).toBe(inner);
    const s = stringMemberValue(text, "signature");
    expect(s).toEqual({ ok: true, value: "outer" });
  });

  it("cuts non-object values and the last member", () => {
    const text = `{"a":[1, -2.5e+3, true, false, null, {"x":[]}], "b" : "s", "c":0}`;
    expect(cut(text, "a")).toBe(`[1, -2.5e+3, true, false, null, {"x":[]}]`);
    expect(cut(text, "b")).toBe(`"s"`);
    expect(cut(text, "c")).toBe("0");
  });

  it("keeps non-ASCII text as received", () => {
    const inner = `{"resultMsg":"成功 ✓ 😀"}`;
    expect(cut(`{"response":${inner}}`)).toBe(inner);
  });

  it("handles nesting deeper than any call stack without throwing", () => {
    const depth = 200_000;
    const deep = "[".repeat(depth) + "]".repeat(depth);
    expect(cut(`{"response":${deep}}`)).toBe(deep);
    const unbalanced = "[".repeat(depth) + "]".repeat(depth - 1);
    expect(rawMemberText(`{"response":${unbalanced}}`, "response")).toMatchObject({ ok: false, reason: "malformed" });
  });
});

describe("stringMemberValue decodes the string", () => {
  it("resolves every escape, including \\u and surrogate pairs", () => {
    const text = `{"signature":"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0041\\u00e9\\ud83d\\ude00"}`;
    expect(stringMemberValue(text, "signature")).toEqual({ ok: true, value: 'a"b\\c/d\b\f\n\r\tAé😀' });
  });

  it("matches member names after decoding them, as JSON does", () => {
    expect(stringMemberValue(`{"\\u0073ignature":"zz"}`, "signature")).toEqual({ ok: true, value: "zz" });
  });

  it("reports a non-string member rather than guessing", () => {
    expect(stringMemberValue(`{"signature":123}`, "signature")).toMatchObject({ ok: false, reason: "not-a-string" });
  });
});

describe("cutSignedMessage", () => {
  it("returns the raw signed text and the decoded signature together", () => {
    const text = `{"response":${RESPONSE_TEXT},"signature":"ab%2Bc\\u003d"}`;
    expect(cutSignedMessage(text, "response")).toEqual({ ok: true, raw: RESPONSE_TEXT, signature: "ab%2Bc=" });
  });

  it("gives a null signature when it is absent or not a string", () => {
    expect(cutSignedMessage(`{"response":{}}`, "response")).toEqual({ ok: true, raw: "{}", signature: null });
    expect(cutSignedMessage(`{"response":{},"signature":null}`, "response")).toEqual({
      ok: true,
      raw: "{}",
      signature: null,
    });
  });

  it("reports a missing signed member", () => {
    expect(cutSignedMessage(`{"signature":"x"}`, "response")).toMatchObject({ ok: false, reason: "missing" });
  });

  it("refuses duplicated top-level names, which parsers resolve differently", () => {
    expect(cutSignedMessage(`{"response":{"a":1},"response":{"a":2},"signature":"x"}`, "response")).toMatchObject({
      ok: false,
      reason: "duplicate",
    });
    expect(cutSignedMessage(`{"response":{},"signature":"x","signature":"y"}`, "response")).toMatchObject({
      ok: false,
      reason: "duplicate",
    });
  });
});

describe("malformed input is a returned error, never a throw", () => {
  const bad: [string, string][] = [
    ["empty", ""],
    ["not an object", `["response"]`],
    ["unterminated string", `{"response":{"a":"b}}`],
    ["unterminated key", `{"respo`],
    ["unbalanced braces", `{"response":{"a":{}}`],
    ["mismatched brackets", `{"response":{"a":[}]}`],
    ["extra closing brace", `{"response":{}}}`],
    ["trailing garbage", `{"response":{}} x`],
    ["two objects", `{"response":{}}{"response":{}}`],
    ["missing colon", `{"response" {}}`],
    ["missing comma", `{"response":{} "signature":"x"}`],
    ["trailing comma in object", `{"response":{"a":1,},"signature":"x"}`],
    ["trailing comma in array", `{"response":[1,],"signature":"x"}`],
    ["trailing comma at top level", `{"response":{},}`],
    ["bad escape", `{"response":"\\x"}`],
    ["short \\u escape", `{"response":"\\u12"}`],
    ["raw newline in string", `{"response":"a\nb"}`],
    ["single quotes", `{'response':{}}`],
    ["unquoted key", `{response:{}}`],
    ["leading zero", `{"response":01}`],
    ["bare minus", `{"response":-}`],
    ["bad literal", `{"response":tru}`],
    ["literal with suffix", `{"response":truex}`],
    ["NaN", `{"response":NaN}`],
    ["non-JSON whitespace", `{"response":\u00a0{}}`],
    ["HTML error page", `<html><body>502 Bad Gateway</body></html>`],
  ];
  for (const [name, text] of bad) {
    it(name, () => {
      const r = scanTopLevelMembers(text);
      expect(r).toMatchObject({ ok: false, reason: "malformed" });
      expect(rawMemberText(text, "response").ok).toBe(false);
      expect(cutSignedMessage(text, "response").ok).toBe(false);
    });
  }

  it("agrees with JSON.parse on which inputs are valid JSON objects", () => {
    const samples = [...bad.map(([, t]) => t), `{}`, ` {"a" : [ ] }`, `{"a":{"b":"\\u0000"}}`, `{"a":1e5,"b":-0.0}`];
    for (const text of samples) {
      let parses = false;
      try {
        const v: unknown = JSON.parse(text);
        parses = typeof v === "object" && v !== null && !Array.isArray(v);
      } catch {
        parses = false;
      }
      expect(scanTopLevelMembers(text).ok, text).toBe(parses);
    }
  });

  it("points at the offending offset", () => {
    expect(scanTopLevelMembers(`{"response":{}} x`)).toMatchObject({ offset: 16 });
  });
});

describe("scanValueFrom: a value scanned in slices", () => {
  const texts = [
    `{"a":[1,2,{"b":"x\\"y"}],"c":{"d":[[],{}]},"e":"\\u00e9"}`,
    `[${"[".repeat(300)}${"]".repeat(300)},{"k":${"9".repeat(50)}}]`,
    `"just a string"`,
    `{"a":1,"b":[1,2,3,4,5,6,7,8,9,10]}`,
  ];

  it("ends where a scan in one go ends, whatever the slice size", () => {
    for (const text of texts) {
      const whole = scanValue(text, 0);
      for (const slice of [1, 2, 3, 7, 50]) {
        let step = scanValueFrom(text, { i: 0, open: [] }, slice);
        let pauses = 0;
        while (step.ok === "paused") {
          pauses++;
          step = scanValueFrom(text, step.state, step.state.i + slice);
        }
        expect(step, `${text.slice(0, 30)} in slices of ${slice}`).toEqual(whole);
        if (text.length > 2 * slice && text[0] !== '"') expect(pauses).toBeGreaterThan(0);
      }
    }
  });

  it("reports a grammar error found in a later slice", () => {
    let step = scanValueFrom(`[1,2,3,4,5,6,]`, { i: 0, open: [] }, 2);
    while (step.ok === "paused") step = scanValueFrom(`[1,2,3,4,5,6,]`, step.state, step.state.i + 2);
    expect(step).toMatchObject({ ok: false, reason: "malformed" });
  });
});
