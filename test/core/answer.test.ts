import { describe, expect, it } from "vitest";
import { readAnswer } from "../../src/core/answer";
import { signText } from "../../src/core/signer";

const RSA = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};
const alipay = (await crypto.subtle.generateKey(RSA, false, ["sign", "verify"])) as CryptoKeyPair;
const impostor = (await crypto.subtle.generateKey(RSA, false, ["sign", "verify"])) as CryptoKeyPair;

function responseText(status: string, codeId: string, code: string, reqMsgId = "req-1"): string {
  // Pretty-printed and non-ASCII on purpose: only the raw text, not a re-serialization, verifies.
  return `{
  "head": {"version":"2.0.0","function":"alipay.intl.user.inform.delegateSendNotification",
           "clientId":"211020000000000000044","respTime":"2026-11-26T12:08:56+08:00","reqMsgId":"${reqMsgId}","reserve":"{}"},
  "body": {"resultInfo": {"resultStatus":"${status}","resultCodeId":"${codeId}","resultCode":"${code}","resultMsg":"處理 \\"ok\\""}}
}`;
}

async function signed(response: string, key = alipay.privateKey, encode = false): Promise<string> {
  const sig = await signText(key, response);
  return `{"response":${response},"signature":"${encode ? encodeURIComponent(sig) : sig}"}`;
}

const SUCCESS = responseText("S", "00000000", "SUCCESS");
const INFO = { resultStatus: "S", resultCodeId: "00000000", resultCode: "SUCCESS", resultMsg: '處理 "ok"' };

describe("a verified 2xx answer", () => {
  it("is answered and classified, verified over the raw response text", async () => {
    expect(await readAnswer(200, await signed(SUCCESS), alipay.publicKey, "req-1")).toEqual({
      kind: "answered",
      resultClass: "success",
      resultInfo: INFO,
      httpStatus: 200,
      verified: true,
    });
  });

  it("accepts a URL-encoded signature", async () => {
    const r = await readAnswer(200, await signed(SUCCESS, alipay.privateKey, true), alipay.publicKey, "req-1");
    expect(r).toMatchObject({ kind: "answered", verified: true });
  });

  it("classifies F, traffic and U answers", async () => {
    const cases: [string, string, string, string][] = [
      ["F", "00000004", "PARAM_ILLEGAL", "final"],
      ["F", "00000024", "REQUEST_TRAFFIC_EXCEED_LIMIT", "traffic"],
      ["U", "00000901", "UNKNOWN_EXCEPTION", "unknown"],
    ];
    for (const [status, id, code, expected] of cases) {
      const r = await readAnswer(200, await signed(responseText(status, id, code)), alipay.publicKey, "req-1");
      expect(r).toMatchObject({ kind: "answered", resultClass: expected, resultInfo: { resultCode: code } });
    }
  });

  it("checks the answer names this request's reqMsgId: another one, or none, is not this request's answer", async () => {
    const body = await signed(SUCCESS);
    expect(await readAnswer(200, body, alipay.publicKey, "req-1")).toMatchObject({ kind: "answered" });
    expect(await readAnswer(200, body, alipay.publicKey, "req-2")).toMatchObject({
      kind: "malformed",
      resultClass: "unknown",
      verified: true,
    });
    const noId = `{"head":{},"body":{"resultInfo":{"resultStatus":"S","resultCodeId":"00000000","resultCode":"SUCCESS"}}}`;
    expect(await readAnswer(200, await signed(noId), alipay.publicKey, "req-2")).toEqual({
      kind: "malformed",
      resultClass: "unknown",
      httpStatus: 200,
      verified: true,
      detail: "answer names no reqMsgId, not req-2",
      resultInfo: { resultStatus: "S", resultCodeId: "00000000", resultCode: "SUCCESS", resultMsg: "" },
    });
  });
});

describe("an answer that cannot be trusted is unknown, whatever it says", () => {
  it("signed by another key", async () => {
    expect(await readAnswer(200, await signed(SUCCESS, impostor.privateKey), alipay.publicKey, "req-1")).toEqual({
      kind: "unverified",
      resultClass: "unknown",
      resultInfo: INFO,
      httpStatus: 200,
      verified: false,
      detail: "answer signature does not verify",
    });
  });

  it("altered after signing", async () => {
    const body = (await signed(responseText("F", "00000019", "PROCESS_FAIL"))).replace(
      `"resultStatus":"F","resultCodeId":"00000019","resultCode":"PROCESS_FAIL"`,
      `"resultStatus":"S","resultCodeId":"00000000","resultCode":"SUCCESS"`,
    );
    expect(body).toContain(`"resultStatus":"S"`);
    expect(await readAnswer(200, body, alipay.publicKey, "req-1")).toMatchObject({
      kind: "unverified",
      resultClass: "unknown",
    });
  });

  it("re-serialized (whitespace changed) after signing", async () => {
    const sig = await signText(alipay.privateKey, SUCCESS);
    const body = JSON.stringify({ response: JSON.parse(SUCCESS) as unknown, signature: sig });
    expect(await readAnswer(200, body, alipay.publicKey, "req-1")).toMatchObject({ kind: "unverified" });
  });

  it("without a signature, or with a non-string or garbage one", async () => {
    for (const tail of [
      "",
      `,"signature":null`,
      `,"signature":""`,
      `,"signature":"%%%"`,
      `,"signature":"bm90IGEgc2ln"`,
    ]) {
      const r = await readAnswer(200, `{"response":${SUCCESS}${tail}}`, alipay.publicKey, "req-1");
      expect(r).toMatchObject({ kind: "unverified", resultClass: "unknown", verified: false, resultInfo: INFO });
    }
  });

  it("with a key that cannot verify (never throws)", async () => {
    expect(await readAnswer(200, await signed(SUCCESS), alipay.privateKey, "req-1")).toMatchObject({
      kind: "unverified",
    });
  });
});

describe("non-2xx and malformed answers", () => {
  it("a non-2xx status is an http-error, even with a validly signed body", async () => {
    expect(await readAnswer(502, "<html>Bad Gateway</html>", alipay.publicKey, "req-1")).toEqual({
      kind: "http-error",
      resultClass: "unknown",
      httpStatus: 502,
      verified: false,
      detail: "HTTP 502",
    });
    for (const status of [199, 301, 400, 500]) {
      const r = await readAnswer(status, await signed(SUCCESS), alipay.publicKey, "req-1");
      expect(r).toMatchObject({ kind: "http-error", resultClass: "unknown", verified: false, resultInfo: INFO });
    }
  });

  it("a body that is not JSON, or has no response member, is malformed", async () => {
    for (const body of [
      "",
      "garbage",
      `{"response":{"a":1}`,
      `{"signature":"x"}`,
      `{"response":{},"response":{},"signature":"x"}`,
    ]) {
      expect(await readAnswer(200, body, alipay.publicKey, "req-1")).toMatchObject({
        kind: "malformed",
        resultClass: "unknown",
        verified: false,
      });
    }
  });

  it("a verified response without a usable resultInfo is malformed", async () => {
    const shapes = [
      `{"head":{},"body":{}}`,
      `{"head":{},"body":{"resultInfo":"S"}}`,
      `{"head":{},"body":{"resultInfo":{"resultStatus":1,"resultCodeId":"00000000","resultCode":"SUCCESS"}}}`,
      `{"head":{},"body":{"resultInfo":{"resultStatus":"S","resultCode":"SUCCESS"}}}`,
      `"S"`,
      `[]`,
    ];
    for (const response of shapes) {
      const r = await readAnswer(200, await signed(response), alipay.publicKey, "req-1");
      expect(r).toMatchObject({ kind: "malformed", resultClass: "unknown", verified: true });
      expect(r.resultInfo).toBeUndefined();
    }
  });
});
