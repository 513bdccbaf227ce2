import { describe, expect, it } from "vitest";
import {
  buildRequest,
  formatReqTime,
  isValidUtcOffsetMinutes,
  newReqMsgId,
  signEnvelope,
  toWireText,
} from "../../src/core/envelope";
import { notificationInfosText } from "../../src/core/batch";
import { rawMemberText } from "../../src/core/json-scan";
import type { NotificationInfo } from "../../src/core/types";

const RSA = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};
const keys = (await crypto.subtle.generateKey(RSA, false, ["sign", "verify"])) as CryptoKeyPair;

const NOTIFICATIONS: NotificationInfo[] = [
  {
    openId: "1234567890abcdefghijk1234567890ab",
    templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
    templateValue: `{"merchantName":"店舖 \\"A\\"","redirectUrl":"http://www.alipay.com/index.htm"}`,
  },
];
const INSTANT = new Date("2026-11-26T04:08:56.789Z");
const FIXED = {
  clientId: "211020000000000000044",
  merchantId: "2160400000000177",
  notificationInfos: notificationInfosText(NOTIFICATIONS),
};

describe("formatReqTime", () => {
  it("writes Hong Kong time with an explicit +08:00 offset and no fraction by default", () => {
    expect(formatReqTime(INSTANT)).toBe("2026-11-26T12:08:56+08:00");
  });

  it("writes other offsets, including zero, negative and half-hour ones, as ±HH:MM", () => {
    expect(formatReqTime(INSTANT, 0)).toBe("2026-11-26T04:08:56+00:00");
    expect(formatReqTime(INSTANT, 330)).toBe("2026-11-26T09:38:56+05:30");
    expect(formatReqTime(INSTANT, -210)).toBe("2026-11-26T00:38:56-03:30");
    expect(formatReqTime(INSTANT, -300)).toBe("2026-11-25T23:08:56-05:00");
  });

  it("rolls the date over at the offset's midnight", () => {
    expect(formatReqTime(new Date("2026-12-31T16:00:00Z"))).toBe("2027-01-01T00:00:00+08:00");
    expect(formatReqTime(new Date("2026-12-31T15:59:59.999Z"))).toBe("2026-12-31T23:59:59+08:00");
  });

  it("always matches RFC 3339 date-time with a numeric offset", () => {
    const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
    for (const offset of [-720, -1, 0, 1, 480, 840]) expect(formatReqTime(INSTANT, offset)).toMatch(rfc3339);
  });

  it("refuses offsets RFC 3339 cannot write, and invalid dates", () => {
    for (const offset of [1440, -1440, 0.5, Number.NaN]) {
      expect(isValidUtcOffsetMinutes(offset)).toBe(false);
      expect(() => formatReqTime(INSTANT, offset)).toThrow(RangeError);
    }
    expect(() => formatReqTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe("newReqMsgId", () => {
  it("is unique and within 64 characters", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newReqMsgId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(64);
  });
});

describe("buildRequest", () => {
  it("serializes the documented head and body compactly, in the documented order", () => {
    const built = buildRequest({ ...FIXED, now: () => INSTANT, newReqMsgId: () => "msg-1" });
    expect(built.requestText).toBe(
      `{"head":{"version":"2.0.0","function":"alipay.intl.user.inform.delegateSendNotification",` +
        `"clientId":"211020000000000000044","reqTime":"2026-11-26T12:08:56+08:00","reqMsgId":"msg-1","reserve":"{}"},` +
        `"body":{"merchantId":"2160400000000177","notificationInfos":[{"openId":"1234567890abcdefghijk1234567890ab",` +
        `"templateCode":"ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",` +
        `"templateValue":"{\\"merchantName\\":\\"店舖 \\\\\\"A\\\\\\"\\",\\"redirectUrl\\":\\"http://www.alipay.com/index.htm\\"}"}]}}`,
    );
    expect(built.reqMsgId).toBe("msg-1");
    expect(built.reqTime).toBe("2026-11-26T12:08:56+08:00");
    expect(JSON.parse(built.requestText)).toEqual({
      head: built.head,
      body: { merchantId: FIXED.merchantId, notificationInfos: NOTIFICATIONS },
    });
  });

  it("sends only the three documented members of each notification", () => {
    const extra = { ...NOTIFICATIONS[0]!, internalNote: "do not send" } as NotificationInfo;
    const built = buildRequest({ ...FIXED, notificationInfos: notificationInfosText([extra]) });
    expect(built.requestText).not.toContain("internalNote");
  });

  it("uses a fresh reqMsgId and the current time on every call", () => {
    let t = INSTANT.getTime();
    const now = () => new Date((t += 1000));
    const a = buildRequest({ ...FIXED, now });
    const b = buildRequest({ ...FIXED, now });
    expect(a.reqMsgId).not.toBe(b.reqMsgId);
    expect(a.reqTime).toBe("2026-11-26T12:08:57+08:00");
    expect(b.reqTime).toBe("2026-11-26T12:08:58+08:00");
  });

  it("writes the configured offset", () => {
    expect(buildRequest({ ...FIXED, now: () => INSTANT, utcOffsetMinutes: 0 }).reqTime).toBe(
      "2026-11-26T04:08:56+00:00",
    );
  });
});

describe("signEnvelope", () => {
  it("embeds the very text it signed, and the signature verifies over its UTF-8 bytes", async () => {
    const env = await signEnvelope(keys.privateKey, { ...FIXED, now: () => INSTANT });
    const cut = rawMemberText(env.wireText, "request");
    expect(cut).toEqual({ ok: true, raw: env.requestText });
    expect(env.wireText).toBe(`{"request":${env.requestText},"signature":"${env.signature}"}`);
    const sig = Uint8Array.from(atob(env.signature), (c) => c.charCodeAt(0));
    const data = new TextEncoder().encode(env.requestText);
    expect(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", keys.publicKey, sig, data)).toBe(true);
  });

  it("produces a signature that fails over any other serialization of the same value", async () => {
    const env = await signEnvelope(keys.privateKey, { ...FIXED, now: () => INSTANT });
    const sig = Uint8Array.from(atob(env.signature), (c) => c.charCodeAt(0));
    const pretty = new TextEncoder().encode(JSON.stringify(JSON.parse(env.requestText), null, 1));
    expect(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", keys.publicKey, sig, pretty)).toBe(false);
  });

  it("toWireText leaves the request text untouched", () => {
    expect(toWireText(`{ "a" : 1 }`, "c2ln+/=")).toBe(`{"request":{ "a" : 1 },"signature":"c2ln+/="}`);
  });
});
