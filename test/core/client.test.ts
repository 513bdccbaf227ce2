import { describe, expect, it } from "vitest";
import { notificationInfosText } from "../../src/core/batch";
import {
  MAX_RETRY_AFTER_MS,
  REQUEST_CONTENT_TYPE,
  retryAfterMsOf,
  sendBatch,
  type SendBatchOptions,
} from "../../src/core/client";
import { cutSignedMessage } from "../../src/core/json-scan";
import { RESULT_CODES } from "../../src/core/result-codes";
import { signText } from "../../src/core/signer";
import type { NotificationInfo } from "../../src/core/types";

const RSA = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};
const merchant = (await crypto.subtle.generateKey(RSA, false, ["sign", "verify"])) as CryptoKeyPair;
const alipay = (await crypto.subtle.generateKey(RSA, false, ["sign", "verify"])) as CryptoKeyPair;
const impostor = (await crypto.subtle.generateKey(RSA, false, ["sign", "verify"])) as CryptoKeyPair;

const URL_ = "https://gateway.test/api/alipay/intl/user/inform/delegateSendNotification.htm";
const NOTIFICATIONS: NotificationInfo[] = [
  { openId: "open-1", templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL", templateValue: `{"merchantName":"店"}` },
  { openId: "open-2", templateCode: "ALIPAYHK_MOBILE_MULTIPLE_MERCHANTS_BILL", templateValue: `{"billCount":"5"}` },
];

interface Received {
  reqMsgId: string;
  reqTime: string;
  request: { head: Record<string, string>; body: { merchantId: string; notificationInfos: NotificationInfo[] } };
}

type Reply = (req: Received, signal: AbortSignal | undefined) => Promise<Response> | Response;

/**
 * A stand-in gateway: it checks the request as AlipayHK would (method, content type, signature over
 * the raw request text with the merchant's public key) and answers with `reply`.
 */
function gateway(reply: Reply): { fetch: typeof fetch; received: Received[] } {
  const received: Received[] = [];
  const fake = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    expect(String(input)).toBe(URL_);
    expect(init?.method).toBe("POST");
    expect(new Headers(init?.headers).get("content-type")).toBe(REQUEST_CONTENT_TYPE);
    const body = init?.body;
    if (typeof body !== "string") throw new Error("expected a string body");
    const cut = cutSignedMessage(body, "request");
    if (!cut.ok || cut.signature === null) throw new Error("request is not a signed envelope");
    const sig = Uint8Array.from(atob(cut.signature), (c) => c.charCodeAt(0));
    const ok = await crypto.subtle.verify(
      "RSASSA-PKCS1-v1_5",
      merchant.publicKey,
      sig,
      new TextEncoder().encode(cut.raw),
    );
    if (!ok) return new Response("INVALID_SIGNATURE", { status: 400 });
    const request = JSON.parse(cut.raw) as Received["request"];
    const req = { reqMsgId: request.head.reqMsgId ?? "", reqTime: request.head.reqTime ?? "", request };
    received.push(req);
    return reply(req, init?.signal ?? undefined);
  };
  return { fetch: fake as typeof fetch, received };
}

async function signedAnswer(
  req: Received,
  status: string,
  codeId: string,
  code: string,
  opts: { key?: CryptoKey; signature?: string | null } = {},
): Promise<Response> {
  const response =
    `{"head":{"version":"2.0.0","function":"alipay.intl.user.inform.delegateSendNotification",` +
    `"clientId":"211020000000000000044","respTime":"2026-11-26T12:08:57+08:00","reqMsgId":"${req.reqMsgId}","reserve":"{}"},` +
    `"body":{"resultInfo":{"resultStatus":"${status}","resultCodeId":"${codeId}","resultCode":"${code}","resultMsg":"m"}}}`;
  const signature =
    opts.signature !== undefined ? opts.signature : await signText(opts.key ?? alipay.privateKey, response);
  const tail = signature === null ? "" : `,"signature":"${signature}"`;
  return new Response(`{"response":${response}${tail}}`, { headers: { "content-type": "application/json" } });
}

function options(fetchFn: typeof fetch, extra: Partial<SendBatchOptions> = {}): SendBatchOptions {
  return {
    fetch: fetchFn,
    url: URL_,
    clientId: "211020000000000000044",
    merchantId: "2160400000000177",
    notificationInfos: notificationInfosText(NOTIFICATIONS),
    signingKey: merchant.privateKey,
    verifyKey: alipay.publicKey,
    timeoutMs: 2000,
    ...extra,
  };
}

describe("the request", () => {
  it("is signed over its raw text, carries the batch, and uses the injected clock and id", async () => {
    const gw = gateway((req) => signedAnswer(req, "S", "00000000", "SUCCESS"));
    let t = 1000;
    const outcome = await sendBatch(
      options(gw.fetch, {
        now: () => new Date("2026-11-26T04:08:56Z"),
        newReqMsgId: () => "msg-42",
        monotonicMs: () => (t += 125),
      }),
    );
    expect(gw.received).toHaveLength(1);
    const { request } = gw.received[0]!;
    expect(request.head).toEqual({
      version: "2.0.0",
      function: "alipay.intl.user.inform.delegateSendNotification",
      clientId: "211020000000000000044",
      reqTime: "2026-11-26T12:08:56+08:00",
      reqMsgId: "msg-42",
      reserve: "{}",
    });
    expect(request.body).toEqual({ merchantId: "2160400000000177", notificationInfos: NOTIFICATIONS });
    expect(outcome).toEqual({
      kind: "answered",
      resultClass: "success",
      resultInfo: { resultStatus: "S", resultCodeId: "00000000", resultCode: "SUCCESS", resultMsg: "m" },
      reqMsgId: "msg-42",
      reqTime: "2026-11-26T12:08:56+08:00",
      httpStatus: 200,
      latencyMs: 125,
      // Read on the injected wall clock once the request could go out.
      sentAt: Date.parse("2026-11-26T04:08:56Z"),
      verified: true,
    });
  });

  it("gets a fresh reqMsgId and reqTime on every call", async () => {
    const gw = gateway((req) => signedAnswer(req, "S", "00000000", "SUCCESS"));
    let ms = Date.parse("2026-11-26T04:08:56Z");
    const now = () => new Date((ms += 1000));
    const a = await sendBatch(options(gw.fetch, { now }));
    const b = await sendBatch(options(gw.fetch, { now }));
    expect(a.reqMsgId).not.toBe(b.reqMsgId);
    expect(a.reqTime).not.toBe(b.reqTime);
    expect(gw.received.map((r) => r.reqMsgId)).toEqual([a.reqMsgId, b.reqMsgId]);
  });

  it("does not leave at all when it is ready after notAfter: missed-slot, nothing sent", async () => {
    const gw = gateway((req) => signedAnswer(req, "S", "00000000", "SUCCESS"));
    const missed = await sendBatch(options(gw.fetch, { now: () => new Date(), notAfter: Date.now() - 5 }));
    expect(missed).toMatchObject({ kind: "missed-slot", verified: false });
    expect(gw.received).toEqual([]);
    const inTime = await sendBatch(
      options(gw.fetch, { now: () => new Date(), notBefore: Date.now(), notAfter: Date.now() + 1000 }),
    );
    expect(inTime.kind).toBe("answered");
    expect(gw.received).toHaveLength(1);
  });

  it("reports its departure after the runtime's next turn: work that held the thread meanwhile moves it", async () => {
    // The clock moves 15 ms in a task queued when the request is handed to fetch (another batch being
    // signed, a large request being stored): the request can only go out after it.
    let ms = Date.parse("2026-11-26T04:08:56Z");
    const gw = gateway((req) => signedAnswer(req, "S", "00000000", "SUCCESS"));
    const busyFetch = ((input: RequestInfo | URL, init?: RequestInit) => {
      setTimeout(() => {
        ms += 15;
      }, 0);
      return gw.fetch(input, init);
    }) as typeof fetch;
    const handedAt = ms;
    const outcome = await sendBatch(options(busyFetch, { now: () => new Date(ms) }));
    expect(outcome.kind).toBe("answered");
    expect(outcome.sentAt).toBe(handedAt + 15);
  });

  it("is held until notBefore (signed first), and leaves at once when that moment has passed", async () => {
    let leftAt = 0;
    const gw = gateway((req) => {
      leftAt = Date.now();
      return signedAnswer(req, "S", "00000000", "SUCCESS");
    });
    const slot = Date.now() + 60;
    const held = await sendBatch(options(gw.fetch, { now: () => new Date(), notBefore: slot }));
    expect(held.kind).toBe("answered");
    expect(leftAt).toBeGreaterThanOrEqual(slot);
    const before = Date.now();
    await sendBatch(options(gw.fetch, { now: () => new Date(), notBefore: before - 1000 }));
    expect(leftAt - before).toBeLessThan(50);
  });
});

describe("answers", () => {
  it("every F code of the API page is final, except traffic exceed", async () => {
    for (const row of RESULT_CODES.filter((r) => r.resultStatus === "F")) {
      const gw = gateway((req) => signedAnswer(req, "F", row.resultCodeId, row.resultCode));
      const outcome = await sendBatch(options(gw.fetch));
      const expected = row.resultCode === "REQUEST_TRAFFIC_EXCEED_LIMIT" ? "traffic" : "final";
      expect(outcome, row.resultCode).toMatchObject({ kind: "answered", resultClass: expected, verified: true });
      expect(outcome.resultInfo?.resultCode).toBe(row.resultCode);
    }
  });

  it("U is answered but unknown", async () => {
    const gw = gateway((req) => signedAnswer(req, "U", "00000901", "UNKNOWN_EXCEPTION"));
    expect(await sendBatch(options(gw.fetch))).toMatchObject({ kind: "answered", resultClass: "unknown" });
  });

  it("502 is an http-error", async () => {
    const gw = gateway(() => new Response("<html>Bad Gateway</html>", { status: 502 }));
    expect(await sendBatch(options(gw.fetch))).toMatchObject({
      kind: "http-error",
      resultClass: "unknown",
      httpStatus: 502,
      verified: false,
    });
  });

  it("429 is a traffic refusal (refused before processing, safe to resend), with its Retry-After in ms", async () => {
    const now = Date.parse("2026-11-26T04:08:56Z");
    const seconds = gateway(() => new Response("slow down", { status: 429, headers: { "retry-after": "3" } }));
    expect(await sendBatch(options(seconds.fetch))).toMatchObject({
      kind: "http-error",
      resultClass: "traffic",
      httpStatus: 429,
      retryAfterMs: 3000,
    });
    const none = gateway(() => new Response("slow down", { status: 429 }));
    const answer = await sendBatch(options(none.fetch));
    expect(answer).toMatchObject({ kind: "http-error", resultClass: "traffic", httpStatus: 429 });
    expect(answer.retryAfterMs).toBeUndefined();
    // An HTTP-date, a past one, an absurd one (capped), and garbage (ignored).
    expect(retryAfterMsOf(new Date(now + 2_000).toUTCString(), now)).toBe(2_000);
    expect(retryAfterMsOf(new Date(now - 60_000).toUTCString(), now)).toBe(0);
    expect(retryAfterMsOf("86400", now)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMsOf("soon", now)).toBeNull();
    // Any other status keeps its meaning: a 503 is unknown, as before.
    const busy = gateway(() => new Response("busy", { status: 503, headers: { "retry-after": "3" } }));
    expect(await sendBatch(options(busy.fetch))).toMatchObject({
      kind: "http-error",
      resultClass: "unknown",
      httpStatus: 503,
    });
  });

  it("a garbage body is malformed", async () => {
    const gw = gateway(() => new Response("OK"));
    expect(await sendBatch(options(gw.fetch))).toMatchObject({
      kind: "malformed",
      resultClass: "unknown",
      httpStatus: 200,
    });
  });

  it("an answer signed by another key, or not signed, is unverified and unknown", async () => {
    for (const opts of [{ key: impostor.privateKey }, { signature: null }, { signature: "AAAA" }]) {
      const gw = gateway((req) => signedAnswer(req, "S", "00000000", "SUCCESS", opts));
      const outcome = await sendBatch(options(gw.fetch));
      expect(outcome).toMatchObject({ kind: "unverified", resultClass: "unknown", verified: false });
      expect(outcome.resultInfo?.resultStatus).toBe("S"); // kept for the log, trusted for nothing
    }
  });

  it("a genuine answer to another reqMsgId is not taken for this one", async () => {
    const gw = gateway((req) => signedAnswer({ ...req, reqMsgId: "someone-else" }, "S", "00000000", "SUCCESS"));
    expect(await sendBatch(options(gw.fetch))).toMatchObject({ kind: "malformed", resultClass: "unknown" });
  });

  it("a signed answer that names no reqMsgId is not taken for this request's", async () => {
    const gw = gateway(async (req) => {
      const body = await (
        await signedAnswer({ ...req, reqMsgId: "DROP" }, "S", "00000000", "SUCCESS", { signature: null })
      ).text();
      const response = (cutSignedMessage(body, "response") as { raw: string }).raw.replace(`"reqMsgId":"DROP",`, "");
      return new Response(`{"response":${response},"signature":"${await signText(alipay.privateKey, response)}"}`);
    });
    const outcome = await sendBatch(options(gw.fetch));
    expect(outcome).toMatchObject({
      kind: "malformed",
      resultClass: "unknown",
      verified: true,
      detail: expect.stringContaining("names no reqMsgId"),
    });
  });

  it("an answer body over 64 KiB is malformed, and is not read past the cap", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(16_384).fill(0x20));
      },
    });
    const gw = gateway(() => new Response(endless, { status: 200 }));
    const outcome = await sendBatch(options(gw.fetch, { timeoutMs: 5000 }));
    expect(outcome).toMatchObject({
      kind: "malformed",
      resultClass: "unknown",
      verified: false,
      detail: expect.stringContaining("65536"),
    });
    expect(pulled).toBeLessThanOrEqual(8);
    const big = gateway(() => new Response("x".repeat(70_000), { status: 502 }));
    expect(await sendBatch(options(big.fetch))).toMatchObject({ kind: "http-error", httpStatus: 502 });
  });
});

describe("timeouts and network errors are outcomes, never exceptions", () => {
  it("a gateway that never answers and ignores the abort signal", async () => {
    const gw = gateway(() => new Promise<Response>(() => {}));
    let t = 0;
    const outcome = await sendBatch(options(gw.fetch, { timeoutMs: 50, monotonicMs: () => (t += 50) }));
    expect(outcome).toMatchObject({ kind: "timeout", resultClass: "unknown", verified: false, latencyMs: 50 });
    expect(outcome.httpStatus).toBeUndefined();
  });

  it("a gateway that honours the abort signal is aborted at the deadline", async () => {
    let aborted: AbortSignal | undefined;
    const gw = gateway(
      (_req, signal) =>
        new Promise<Response>((_resolve, reject) => {
          aborted = signal;
          signal?.addEventListener("abort", () => reject(signal.reason));
        }),
    );
    expect(await sendBatch(options(gw.fetch, { timeoutMs: 50 }))).toMatchObject({ kind: "timeout" });
    expect(aborted?.aborted).toBe(true);
  });

  it("a gateway that sends headers and then stalls the body", async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(`{"response":`));
      },
    });
    const gw = gateway(() => new Response(stalled, { status: 200 }));
    const started = Date.now();
    expect(await sendBatch(options(gw.fetch, { timeoutMs: 50 }))).toMatchObject({ kind: "timeout" });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("fetch rejecting, or throwing synchronously", async () => {
    const rejecting = (() => Promise.reject(new TypeError("connection refused"))) as unknown as typeof fetch;
    const throwing = (() => {
      throw new TypeError("bad url");
    }) as unknown as typeof fetch;
    expect(await sendBatch(options(rejecting))).toMatchObject({
      kind: "network-error",
      resultClass: "unknown",
      verified: false,
      detail: "fetch failed: TypeError: connection refused",
    });
    expect(await sendBatch(options(throwing))).toMatchObject({
      kind: "network-error",
      detail: "fetch failed: TypeError: bad url",
    });
  });

  it("calls fetch unbound, as Workers require (fetch called as a method throws Illegal invocation)", async () => {
    let receiver: unknown = "not called";
    const recording = function (this: unknown) {
      receiver = this;
      return Promise.resolve(new Response("x", { status: 503 }));
    } as unknown as typeof fetch;
    expect(await sendBatch(options(recording))).toMatchObject({ kind: "http-error", httpStatus: 503 });
    expect(receiver).toBeUndefined();
  });
});
