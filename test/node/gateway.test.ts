/**
 * The AlipayHK stand-in behaves like the API page says, so that end-to-end tests can trust it as an
 * oracle: it verifies the exact signed bytes, enforces every field rule, keeps a strict per-second
 * limit, injects each fault on demand, and records what it delivered.
 * Requests here are built and signed with node:crypto directly, not with the relay's code.
 */
import { request } from "node:http";
import { generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isLoopback } from "../../dev/gateway/control.ts";
import { gatewaySettingsFromEnv } from "../../dev/gateway/env-settings.ts";
import { parseFaults } from "../../dev/gateway/faults.ts";
import { createLimiter, maxInAnyWindow } from "../../dev/gateway/limiter.ts";
import { cutRawMember } from "../../dev/gateway/raw-member.ts";
import { isRfc3339 } from "../../dev/gateway/rules.ts";
import { createGateway, type Gateway } from "../../dev/gateway/server.ts";

const CLIENT_ID = "211020000000000000044";
const FUNCTION = "alipay.intl.user.inform.delegateSendNotification";

const merchant = generateKeyPairSync("rsa", { modulusLength: 2048 });
const alipay = generateKeyPairSync("rsa", { modulusLength: 2048 });

let gateway: Gateway;
let counter = 0;

beforeAll(async () => {
  gateway = await createGateway({
    clientId: CLIENT_ID,
    // PKCS#1 PEM, as `openssl genrsa` gives and as the relay will hold it: the stand-in derives the public key.
    merchantPublicKey: merchant.privateKey.export({ type: "pkcs1", format: "pem" }) as string,
    alipayPrivateKey: alipay.privateKey,
  });
});
afterAll(() => gateway.close());
beforeEach(() => {
  gateway.configure({
    limitRps: 0,
    latencyMs: 0,
    faults: [],
    signAlgorithm: "RSA",
    urlEncodeSignature: false,
    seed: 7,
    exceedStatus: "F",
  });
  gateway.reset();
});

interface Info {
  openId: string;
  templateCode: string;
  templateValue: unknown;
}

function info(n: number, extra: Partial<Info> = {}): Info {
  return {
    openId: `2088000000000000000000000000${String(n).padStart(4, "0")}`,
    templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
    templateValue: JSON.stringify({ merchantName: "Harbour Tea", redirectUrl: "https://shop.example.hk/b/1" }),
    ...extra,
  };
}

function requestValue(patch: { head?: Record<string, unknown>; body?: Record<string, unknown> } = {}) {
  return {
    head: {
      version: "2.0.0",
      function: FUNCTION,
      clientId: CLIENT_ID,
      reqTime: "2026-11-26T12:08:56+08:00",
      reqMsgId: `msg-${process.pid}-${++counter}`,
      reserve: "{}",
      ...patch.head,
    },
    body: { merchantId: "2160400000000177", notificationInfos: [info(1)], ...patch.body },
  };
}

/** The envelope text with `signedText` signed and `sentText` embedded (the same unless a test tampers). */
function envelope(
  signedText: string,
  sentText = signedText,
  hash: "sha1" | "sha256" = "sha1",
  key: KeyObject = merchant.privateKey,
): string {
  const signature = sign(hash, Buffer.from(signedText, "utf8"), key).toString("base64");
  return `{"request":${sentText},"signature":"${signature}"}`;
}

async function post(body: string, headers: Record<string, string> = {}, signal?: AbortSignal) {
  const res = await fetch(gateway.apiUrl, {
    method: "POST",
    body,
    signal,
    headers: { "content-type": "application/json; charset=UTF-8", ...headers },
  });
  return { status: res.status, text: await res.text() };
}

/** Parses an answer and checks its signature the independent way: cut the response text by hand. */
function readAnswer(text: string, hash: "sha1" | "sha256" = "sha1") {
  const start = '{"response":'.length;
  const end = text.lastIndexOf(',"signature":');
  const raw = text.slice(start, end);
  const { response, signature } = JSON.parse(text) as {
    response: { head: Record<string, string>; body: { resultInfo: Record<string, string> } };
    signature: string;
  };
  const verified = verify(
    hash,
    Buffer.from(raw, "utf8"),
    alipay.publicKey,
    Buffer.from(decodeURIComponent(signature), "base64"),
  );
  return { head: response.head, resultInfo: response.body.resultInfo, verified };
}

async function send(patch?: Parameters<typeof requestValue>[0]) {
  const text = JSON.stringify(requestValue(patch));
  return readAnswer((await post(envelope(text))).text);
}

describe("a valid request", () => {
  it("is accepted with a signed answer that echoes the head", async () => {
    const request = requestValue({ body: { notificationInfos: [info(1), info(2)] } });
    const res = await post(envelope(JSON.stringify(request)));
    expect(res.status).toBe(200);
    const answer = readAnswer(res.text);
    expect(answer.verified).toBe(true);
    expect(answer.resultInfo).toEqual({
      resultStatus: "S",
      resultCodeId: "00000000",
      resultCode: "SUCCESS",
      resultMsg: "success",
    });
    expect(answer.head).toMatchObject({
      version: "2.0.0",
      function: FUNCTION,
      clientId: CLIENT_ID,
      reqMsgId: request.head.reqMsgId,
    });
    expect(isRfc3339(answer.head.respTime!)).toBe(true);
    const stats = gateway.stats();
    expect(stats.deliveredCount).toBe(2);
    expect(stats.deliveries!.map((d) => d.reqMsgId)).toEqual([request.head.reqMsgId, request.head.reqMsgId]);
    expect(stats.byResult).toEqual({ SUCCESS: 1 });
  });

  it("is verified over its exact bytes, whitespace included, not a re-serialization", async () => {
    const pretty = JSON.stringify(requestValue(), null, 2);
    expect(readAnswer((await post(envelope(pretty))).text).resultInfo.resultCode).toBe("SUCCESS");
    // Signing the compact text but sending the pretty one is what a re-serializing relay would do.
    const other = requestValue();
    const sent = JSON.stringify(other, null, 2);
    expect(readAnswer((await post(envelope(JSON.stringify(other), sent))).text).resultInfo.resultCode).toBe(
      "INVALID_SIGNATURE",
    );
  });

  it("uses SHA256withRSA both ways when set to RSA2, and refuses SHA1 then", async () => {
    gateway.configure({ signAlgorithm: "RSA2" });
    const ok = readAnswer((await post(envelope(JSON.stringify(requestValue()), undefined, "sha256"))).text, "sha256");
    expect(ok).toMatchObject({ verified: true, resultInfo: { resultCode: "SUCCESS" } });
    const sha1 = readAnswer((await post(envelope(JSON.stringify(requestValue()), undefined, "sha1"))).text, "sha256");
    expect(sha1.resultInfo.resultCode).toBe("INVALID_SIGNATURE");
  });

  it("can send its answer signature URL-encoded", async () => {
    gateway.configure({ urlEncodeSignature: true });
    const res = await post(envelope(JSON.stringify(requestValue())));
    expect(JSON.parse(res.text).signature).toMatch(/%2B|%2F|%3D/);
    expect(readAnswer(res.text).verified).toBe(true);
  });
});

describe("refusals", () => {
  it("answers INVALID_SIGNATURE 00000007 to a tampered request and delivers nothing", async () => {
    const text = JSON.stringify(requestValue());
    const answer = readAnswer((await post(envelope(text, text.replace("Harbour", "Harbor")))).text);
    expect(answer.verified).toBe(true);
    expect(answer.resultInfo).toMatchObject({
      resultStatus: "F",
      resultCodeId: "00000007",
      resultCode: "INVALID_SIGNATURE",
    });
    expect(gateway.stats()).toMatchObject({ signatureFailures: 1, deliveredCount: 0 });
  });

  it("answers INVALID_SIGNATURE to a request signed with another key or without a signature", async () => {
    const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const text = JSON.stringify(requestValue());
    expect(readAnswer((await post(envelope(text, text, "sha1", stranger))).text).resultInfo.resultCode).toBe(
      "INVALID_SIGNATURE",
    );
    expect(readAnswer((await post(`{"request":${JSON.stringify(requestValue())}}`)).text).resultInfo.resultCode).toBe(
      "INVALID_SIGNATURE",
    );
  });

  it("answers UNKNOWN_CLIENT to another clientId", async () => {
    const answer = await send({ head: { clientId: "211020000000000000045" } });
    expect(answer.resultInfo).toMatchObject({
      resultStatus: "F",
      resultCode: "UNKNOWN_CLIENT",
      resultCodeId: "12014155",
    });
  });

  it("answers NO_INTERFACE_DEF to another function", async () => {
    expect((await send({ head: { function: "alipay.intl.user.inform.other" } })).resultInfo.resultCode).toBe(
      "NO_INTERFACE_DEF",
    );
  });

  it("answers PARAM_ILLEGAL to a body that is not application/json", async () => {
    const res = await post(envelope(JSON.stringify(requestValue())), { "content-type": "text/plain" });
    expect(readAnswer(res.text).resultInfo).toMatchObject({
      resultCode: "PARAM_ILLEGAL",
      resultMsg: expect.stringContaining("Content-Type"),
    });
  });

  const long = (n: number) => "x".repeat(n);
  const illegal: [string, Parameters<typeof requestValue>[0], string][] = [
    ["version", { head: { version: "1.0.0" } }, "head.version"],
    ["reqTime without offset", { head: { reqTime: "2026-11-26T12:08:56" } }, "head.reqTime"],
    ["reqTime not a date", { head: { reqTime: "2026-02-30T12:08:56+08:00" } }, "head.reqTime"],
    ["reqMsgId of 65 characters", { head: { reqMsgId: long(65) } }, "head.reqMsgId"],
    ["empty reqMsgId", { head: { reqMsgId: "" } }, "head.reqMsgId"],
    ["reserve of 257 characters", { head: { reserve: long(257) } }, "head.reserve"],
    ["merchantId of 65 characters", { body: { merchantId: long(65) } }, "body.merchantId"],
    ["missing merchantId", { body: { merchantId: undefined } }, "body.merchantId"],
    ["no notifications", { body: { notificationInfos: [] } }, "1 to 100"],
    ["101 notifications", { body: { notificationInfos: Array.from({ length: 101 }, (_, i) => info(i)) } }, "1 to 100"],
    ["empty openId", { body: { notificationInfos: [info(1, { openId: "" })] } }, "[0].openId"],
    [
      "missing templateCode",
      { body: { notificationInfos: [info(1), { openId: "a", templateValue: "{}" }] } },
      "[1].templateCode",
    ],
    [
      "templateValue as an object",
      { body: { notificationInfos: [info(1, { templateValue: { merchantName: "x" } })] } },
      "[0].templateValue must be a string",
    ],
    [
      "templateValue not holding an object",
      { body: { notificationInfos: [info(1, { templateValue: "[1,2]" })] } },
      "[0].templateValue must hold a JSON object",
    ],
    [
      "an element over 300 characters",
      { body: { notificationInfos: [info(1, { templateValue: JSON.stringify({ u: long(250) }) })] } },
      "more than 300",
    ],
  ];
  it.each(illegal)("answers PARAM_ILLEGAL 00000004 to %s", async (_name, patch, field) => {
    const answer = await send(patch);
    expect(answer.verified).toBe(true);
    expect(answer.resultInfo).toMatchObject({
      resultStatus: "F",
      resultCodeId: "00000004",
      resultCode: "PARAM_ILLEGAL",
    });
    expect(answer.resultInfo.resultMsg).toContain(field);
  });

  it("accepts the limits themselves: 100 elements, a 64-character reqMsgId, an element of exactly 300", async () => {
    const base = info(1, { templateValue: "" });
    const padding = 300 - JSON.stringify({ ...base, templateValue: JSON.stringify({ u: "" }) }).length;
    const exact = { ...base, templateValue: JSON.stringify({ u: "y".repeat(padding) }) };
    expect(JSON.stringify(exact)).toHaveLength(300);
    const infos = [exact, ...Array.from({ length: 99 }, (_, i) => info(i + 2))];
    const answer = await send({
      head: { reqMsgId: long(64), reqTime: "2026-11-26T04:08:56.123Z" },
      body: { notificationInfos: infos },
    });
    expect(answer.resultInfo.resultCode).toBe("SUCCESS");
    expect(gateway.stats().deliveredCount).toBe(100);
  });

  it("flags a repeated reqMsgId with PARAM_ILLEGAL and delivers once", async () => {
    const request = requestValue();
    const text = JSON.stringify(request);
    expect(readAnswer((await post(envelope(text))).text).resultInfo.resultCode).toBe("SUCCESS");
    const again = readAnswer((await post(envelope(text))).text);
    expect(again.resultInfo).toMatchObject({
      resultCode: "PARAM_ILLEGAL",
      resultMsg: expect.stringContaining("already used"),
    });
    const stats = gateway.stats();
    expect(stats.repeatedReqMsgIds).toEqual([request.head.reqMsgId]);
    expect(stats.deliveredByOpenId).toEqual({ [info(1).openId]: 1 });
  });
});

describe("the per-second limit", () => {
  it("counts admitted arrivals in a sliding 1000 ms window", () => {
    const limiter = createLimiter(2);
    expect([0, 10, 20].map((t) => limiter.admit(t))).toEqual([true, true, false]);
    expect(limiter.admit(999)).toBe(false); // still 2 admitted in (-1, 999]
    expect(limiter.admit(1000)).toBe(true); // t=0 has left the window
    expect(limiter.admit(1009)).toBe(false);
    expect(limiter.admit(1010)).toBe(true);
    expect(maxInAnyWindow([0, 10, 999, 1000, 1009])).toBe(4);
  });

  it("answers REQUEST_TRAFFIC_EXCEED_LIMIT 00000024 above the limit, without processing", async () => {
    gateway.configure({ limitRps: 5 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => send()));
    const codes = answers.map((a) => a.resultInfo.resultCode).sort();
    expect(codes.filter((c) => c === "SUCCESS")).toHaveLength(5);
    const refused = answers.filter((a) => a.resultInfo.resultCode === "REQUEST_TRAFFIC_EXCEED_LIMIT");
    expect(refused).toHaveLength(3);
    expect(refused[0]!).toMatchObject({ verified: true, resultInfo: { resultStatus: "F", resultCodeId: "00000024" } });
    const stats = gateway.stats();
    expect(stats.deliveredCount).toBe(5);
    expect(stats.maxPerSecond).toEqual({ all: 8, admitted: 5 });
  });

  it("answers the refusal with resultStatus U when exceedStatus is U, as other Alipay-family APIs do", async () => {
    gateway.configure({ limitRps: 1, exceedStatus: "U" });
    const [first, second] = [await send(), await send()];
    expect(first.resultInfo).toMatchObject({ resultStatus: "S", resultCode: "SUCCESS" });
    expect(second).toMatchObject({
      verified: true,
      resultInfo: { resultStatus: "U", resultCodeId: "00000024", resultCode: "REQUEST_TRAFFIC_EXCEED_LIMIT" },
    });
    // Only the refusal changes: other codes keep the table's status.
    gateway.configure({ limitRps: 0, faults: [{ kind: "unknown", everyNth: 1 }] });
    expect((await send()).resultInfo).toMatchObject({ resultStatus: "U", resultCode: "UNKNOWN_EXCEPTION" });
    expect(() => gateway.configure({ exceedStatus: "S" as "F" })).toThrow(/exceedStatus/);
  });

  it("reads exceedStatus from GATEWAY_EXCEED_STATUS and names a bad value", () => {
    expect(gatewaySettingsFromEnv({ GATEWAY_EXCEED_STATUS: "U" })).toEqual({ exceedStatus: "U" });
    expect(gatewaySettingsFromEnv({})).toEqual({});
    expect(() => gatewaySettingsFromEnv({ GATEWAY_EXCEED_STATUS: "u" })).toThrow(
      /GATEWAY_EXCEED_STATUS: must be F or U/,
    );
  });
});

describe("fault injection", () => {
  const code = async () => (await send()).resultInfo.resultCode;

  it("unknown: answers U UNKNOWN_EXCEPTION 00000901, signed, and by default processes nothing", async () => {
    gateway.configure({ faults: [{ kind: "unknown", everyNth: 1 }] });
    const answer = await send();
    expect(answer).toMatchObject({
      verified: true,
      resultInfo: { resultStatus: "U", resultCodeId: "00000901", resultCode: "UNKNOWN_EXCEPTION" },
    });
    expect(gateway.stats()).toMatchObject({
      deliveredCount: 0,
      faults: { unknown: 1 },
      byResult: { UNKNOWN_EXCEPTION: 1 },
    });
  });

  it("unknown with processed: delivers, then answers U (AlipayHK did it, the answer says otherwise)", async () => {
    gateway.configure({ faults: parseFaults("unknown:every=1:processed") });
    expect(await code()).toBe("UNKNOWN_EXCEPTION");
    expect(gateway.stats().deliveredCount).toBe(1);
  });

  it("every Nth hits exactly the Nth requests; a rate hits about that fraction, replayably by seed", async () => {
    gateway.configure({ faults: [{ kind: "unknown", everyNth: 3 }] });
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push(await code());
    expect(codes.map((c) => c === "UNKNOWN_EXCEPTION")).toEqual([false, false, true, false, false, true]);
    const run = async () => {
      gateway.configure({ faults: [{ kind: "unknown", rate: 0.5 }], seed: 42 });
      const hits = [];
      for (let i = 0; i < 40; i++) hits.push((await code()) === "UNKNOWN_EXCEPTION");
      return hits;
    };
    const first = await run();
    expect(first.filter(Boolean).length).toBeGreaterThan(8);
    expect(first.filter(Boolean).length).toBeLessThan(32);
    expect(await run()).toEqual(first);
  });

  it("http502: HTTP 502 with an HTML body", async () => {
    gateway.configure({ faults: parseFaults("http502:1") });
    const res = await post(envelope(JSON.stringify(requestValue())));
    expect(res.status).toBe(502);
    expect(res.text).toContain("Bad Gateway");
    expect(gateway.stats().byResult).toEqual({ HTTP_502: 1 });
  });

  it("hang: never answers until the client gives up", async () => {
    gateway.configure({ faults: parseFaults("hang:1") });
    await expect(post(envelope(JSON.stringify(requestValue())), {}, AbortSignal.timeout(300))).rejects.toThrow();
    expect(gateway.stats()).toMatchObject({ deliveredCount: 0, byResult: { NO_ANSWER: 1 } });
  });

  it("hang with ms: processes and answers after that long", async () => {
    gateway.configure({ faults: parseFaults("hang:every=1:ms=300") });
    const started = performance.now();
    expect(await code()).toBe("SUCCESS");
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(gateway.stats().deliveredCount).toBe(1);
  });

  it("garbage: HTTP 200 with a body that is not JSON", async () => {
    gateway.configure({ faults: parseFaults("garbage:1") });
    const res = await post(envelope(JSON.stringify(requestValue())));
    expect(res.status).toBe(200);
    expect(() => JSON.parse(res.text)).toThrow();
  });

  it("bad-signature: a well-formed S answer that does not verify, with nothing delivered", async () => {
    gateway.configure({ faults: parseFaults("bad-signature:1") });
    const answer = await send();
    expect(answer).toMatchObject({ verified: false, resultInfo: { resultCode: "SUCCESS" } });
    expect(gateway.stats()).toMatchObject({ deliveredCount: 0, byResult: { UNVERIFIABLE: 1 } });
  });

  it("reset: the connection drops without an answer", async () => {
    gateway.configure({ faults: parseFaults("reset:1") });
    await expect(post(envelope(JSON.stringify(requestValue())))).rejects.toThrow();
    expect(gateway.stats().byResult).toEqual({ RESET: 1 });
  });

  it("latency: every answer leaves that long after arrival", async () => {
    gateway.configure({ latencyMs: 400 });
    const started = performance.now();
    await Promise.all([code(), code(), code()]);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(395);
    // Answers wait concurrently: one after another, three would take 1200 ms. The 600 ms above 400 are
    // room for a loaded machine.
    expect(elapsed).toBeLessThan(1000);
  });

  it("reads the env/flag form and names what it cannot read", () => {
    expect(parseFaults("unknown:0.1, http502:every=5,hang:every=3:ms=2000,garbage:0.05:processed")).toEqual([
      { kind: "unknown", rate: 0.1 },
      { kind: "http502", everyNth: 5 },
      { kind: "hang", everyNth: 3, delayMs: 2000 },
      { kind: "garbage", rate: 0.05, processed: true },
    ]);
    expect(() => parseFaults("explode:1")).toThrow(/kind must be one of/);
    expect(() => parseFaults("unknown:2")).toThrow(/cannot read "2"/);
    expect(() => parseFaults("unknown:every=0")).toThrow(/every=0/);
  });
});

describe("control and records over HTTP", () => {
  // The control endpoints answer several shapes; the assertions below are the type check.
  const control = (path: string, init?: RequestInit) =>
    fetch(gateway.url + path, init).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as Record<string, unknown>,
    }));

  it("switches modes with POST /_control and refuses unknown or bad settings", async () => {
    const set = await control("/_control", {
      method: "POST",
      body: JSON.stringify({ faults: [{ kind: "http502", everyNth: 1 }], latencyMs: 5 }),
    });
    expect(set).toMatchObject({ status: 200, body: { latencyMs: 5, faults: [{ kind: "http502", everyNth: 1 }] } });
    expect((await post(envelope(JSON.stringify(requestValue())))).status).toBe(502);
    expect((await control("/_control", { method: "POST", body: '{"latency":5}' })).status).toBe(400);
    expect((await control("/_control", { method: "POST", body: '{"faults":[{"kind":"explode"}]}' })).status).toBe(400);
    expect((await control("/_control")).body.latencyMs).toBe(5);
  });

  it("reports records with GET /_stats and clears them with POST /_reset", async () => {
    const request = requestValue({ body: { notificationInfos: [info(1), info(2)] } });
    await post(envelope(JSON.stringify(request)));
    await send({ head: { version: "9" } });
    const stats = (await control("/_stats")).body;
    expect(stats).toMatchObject({ requests: 2, deliveredCount: 2, byResult: { SUCCESS: 1, PARAM_ILLEGAL: 1 } });
    expect(stats.deliveredByOpenId).toEqual({ [info(1).openId]: 1, [info(2).openId]: 1 });
    expect(stats.arrivals).toHaveLength(2);
    expect(stats.paths).toEqual({ "/api/alipay/intl/user/inform/delegateSendNotification.htm": 2 });
    expect((stats.rejections as unknown[])[0]).toMatchObject({
      resultCode: "PARAM_ILLEGAL",
      message: expect.stringContaining("head.version"),
    });
    expect((await control("/_stats?summary")).body.deliveries).toBeUndefined();
    await control("/_reset", { method: "POST" });
    expect((await control("/_stats")).body).toMatchObject({ requests: 0, deliveredCount: 0, repeatedReqMsgIds: [] });
  });

  it("stamps arrivals before reading the body, and serves them with GET /_arrivals and /_counts", async () => {
    gateway.configure({ limitRps: 1 });
    // The body is held back 300 ms after the headers: the arrival is when the request came, not the body.
    const clock = () => performance.timeOrigin + performance.now(); // the stand-in's clock, in this same process
    const sentAt = clock();
    let bodySentAt = Number.POSITIVE_INFINITY;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        gateway.apiUrl,
        { method: "POST", headers: { "content-type": "application/json" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.flushHeaders();
      setTimeout(() => {
        bodySentAt = clock();
        req.end(envelope(JSON.stringify(requestValue())));
      }, 300);
    });
    expect(status).toBe(200);
    await send(); // refused: over 1 per second
    const { arrivals, admittedArrivals } = (await control("/_arrivals")).body as {
      arrivals: number[];
      admittedArrivals: number[];
    };
    expect(arrivals).toHaveLength(2);
    expect(admittedArrivals).toEqual([arrivals[0]]);
    // Ordered on one clock, no tolerance: stamped after the headers left and before the body did.
    expect(arrivals[0]!).toBeGreaterThanOrEqual(sentAt);
    expect(arrivals[0]!).toBeLessThan(bodySentAt);
    const askedAt = clock();
    const counts = (await control("/_counts")).body;
    const answeredAt = clock();
    expect(counts).toMatchObject({
      requests: 2,
      byResult: { SUCCESS: 1, REQUEST_TRAFFIC_EXCEED_LIMIT: 1 },
      deliveredCount: 1,
    });
    // Its clock, read while answering: between the request and its answer on this process's clock.
    expect(counts.now as number).toBeGreaterThanOrEqual(askedAt);
    expect(counts.now as number).toBeLessThanOrEqual(answeredAt);
    expect(counts.loopDelayMs).toMatchObject({ p99: expect.any(Number), max: expect.any(Number) });
  });

  it("answers control calls from loopback addresses only", () => {
    for (const address of ["127.0.0.1", "127.8.0.3", "::1", "::ffff:127.0.0.1"]) expect(isLoopback(address)).toBe(true);
    for (const address of [undefined, "", "10.0.0.1", "::ffff:10.0.0.1", "192.168.1.127", "fe80::1", "1127.0.0.1"]) {
      expect(isLoopback(address)).toBe(false);
    }
  });
});

describe("cutting the raw request text", () => {
  it("returns the exact member text, skipping braces and quotes inside strings", () => {
    const text = ' { "signature" : "a}b", "request" :\n{"x":"q\\"}{[","y":[1,{"z":null}]} } ';
    expect(cutRawMember(text, "request")).toEqual({ ok: true, raw: '{"x":"q\\"}{[","y":[1,{"z":null}]}' });
    expect(cutRawMember('{"\\u0072equest":{}}', "request")).toEqual({ ok: true, raw: "{}" });
  });

  it("refuses a duplicated or missing member", () => {
    expect(cutRawMember('{"request":{},"request":{}}', "request").ok).toBe(false);
    expect(cutRawMember('{"signature":"x"}', "request").ok).toBe(false);
    expect(cutRawMember("[1]", "request").ok).toBe(false);
  });
});
