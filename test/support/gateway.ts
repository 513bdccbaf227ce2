import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { importPrivateKey, importPublicKey } from "../../src/core/keys";
import { cutSignedMessage } from "../../src/core/json-scan";
import { signText, verifyText } from "../../src/core/signer";

/** What the in-test gateway does with the next requests. */
export type Fault =
  | "none"
  | "unknown"
  | "http-502"
  | "hang"
  | "garbage"
  | "bad-signature"
  | "param-illegal"
  /** INVALID_SIGNATURE: what AlipayHK answers every request when it does not know the merchant's key. */
  | "invalid-signature"
  /** REQUEST_TRAFFIC_EXCEED_LIMIT whatever the window holds (a refusal the relay must requeue for free). */
  | "traffic";

/** One request the gateway received. */
export interface Received {
  at: number;
  reqMsgId: string;
  reqTime: string;
  openIds: string[];
  /** The request's `notificationInfos` as sent (templateValue is the JSON string AlipayHK reads). */
  notifications: { openId: string; templateCode: string; templateValue: string }[];
  verified: boolean;
  answer: string;
}

/**
 * A stand-in for AlipayHK inside workerd: it checks each request's signature over the raw request text
 * with the merchant's public key, enforces a strict per-second limit (sliding 1000 ms window), signs its
 * answers with "Alipay's" key, and fails on demand. It replaces `fetch` for the relay under test.
 */
export class TestGateway {
  readonly received: Received[] = [];
  /** Requests answered REQUEST_TRAFFIC_EXCEED_LIMIT. */
  exceeded = 0;
  /** A queue of faults applied to the next requests, one each; afterwards `defaultFault`. */
  faults: Fault[] = [];
  /**
   * Faults for one batch's requests, by the batch's first openId, one per arrival of that batch: tried
   * before `faults`, so a test names the batch it means whatever order the batches leave in.
   */
  faultsByFirstOpenId: Record<string, Fault[]> = {};
  defaultFault: Fault = "none";
  limitRps: number;
  /** How long the gateway takes to answer, in ms (AlipayHK is ~200 ms away in production). */
  latencyMs = 0;
  /** Network jitter on the way in: each request arrives after a random 0..arrivalJitterMs ms. */
  arrivalJitterMs = 0;
  private accepted: number[] = [];
  /** Answers requests to any other host (a completion callback's receiver); unset, everything is the gateway's. */
  elsewhere: ((request: Request) => Promise<Response>) | null = null;
  /** Bumped by `releaseHung`; a hung request watches it. */
  private releases = 0;

  private constructor(
    limitRps: number,
    private readonly merchantKey: CryptoKey,
    private readonly alipayKey: CryptoKey,
  ) {
    this.limitRps = limitRps;
  }

  /** Creates the gateway and routes the relay's outbound fetch to it. */
  static async install(limitRps = Number(env.ALIPAY_MAX_RPS)): Promise<TestGateway> {
    const testEnv = env as unknown as Record<string, string>;
    const merchant = await importPublicKey(testEnv.TEST_MERCHANT_PUBLIC_KEY ?? "", "RSA");
    const alipay = await importPrivateKey(testEnv.TEST_ALIPAY_PRIVATE_KEY ?? "", "RSA");
    if (!merchant.ok || !alipay.ok) throw new Error("test keys did not import");
    const gateway = new TestGateway(limitRps, merchant.key, alipay.key);
    vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
      const request = new Request(input, init);
      if (new URL(request.url).host === "gateway.test" || !gateway.elsewhere) return gateway.handle(request);
      return gateway.elsewhere(request);
    });
    return gateway;
  }

  /** Delivered notifications by openId (only requests answered with SUCCESS count). */
  deliveries(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.received) {
      if (r.answer !== "SUCCESS") continue;
      for (const id of r.openIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /** The most requests that arrived in any 1000 ms window. */
  maxInAnySecond(): number {
    const times = this.received.map((r) => r.at).sort((a, b) => a - b);
    let max = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while ((times[end] as number) - (times[start] as number) >= 1000) start++;
      max = Math.max(max, end - start + 1);
    }
    return max;
  }

  /** Releases requests held by the `hang` fault (they then fail as aborted). */
  releaseHung(): void {
    this.releases++;
  }

  private async handle(request: Request): Promise<Response> {
    // Stamped on arrival, before the body is read: reading it waits for the isolate's thread, which the
    // relay shares here, and a late stamp would move a request into the next gateway second.
    let at = Date.now();
    const text = await request.text();
    if (this.arrivalJitterMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * this.arrivalJitterMs));
      at = Date.now();
    }
    const cut = cutSignedMessage(text, "request");
    if (!cut.ok) return new Response("bad request", { status: 400 });
    const verified = cut.signature !== null && (await verifyText(this.merchantKey, cut.raw, cut.signature));
    const parsed = JSON.parse(cut.raw) as {
      head: { reqMsgId: string; reqTime: string; clientId: string };
      body: { notificationInfos: { openId: string; templateCode: string; templateValue: string }[] };
    };
    const record: Received = {
      at,
      reqMsgId: parsed.head.reqMsgId,
      reqTime: parsed.head.reqTime,
      openIds: parsed.body.notificationInfos.map((n) => n.openId),
      notifications: parsed.body.notificationInfos,
      verified,
      answer: "",
    };
    this.received.push(record);
    const fault =
      this.faultsByFirstOpenId[record.openIds[0] ?? ""]?.shift() ?? this.faults.shift() ?? this.defaultFault;
    if (fault === "hang") {
      // Polled rather than parked on a promise the test settles: workerd refuses to resolve a promise
      // of the sender's invocation from the test's context ("I/O on behalf of a different Durable Object").
      const release = this.releases;
      while (!request.signal.aborted && this.releases === release) await new Promise((r) => setTimeout(r, 10));
      record.answer = "HUNG";
      throw new DOMException("aborted", "AbortError");
    }
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (fault === "http-502") {
      record.answer = "HTTP_502";
      return new Response("bad gateway", { status: 502 });
    }
    if (fault === "garbage") {
      record.answer = "GARBAGE";
      return new Response("<html>oops</html>", { status: 200 });
    }
    this.accepted = this.accepted.filter((t) => at - t < 1000);
    let result: [string, string, string];
    if (!verified) result = ["F", "00000007", "INVALID_SIGNATURE"];
    else if (fault === "traffic" || this.accepted.length >= this.limitRps) {
      this.exceeded++;
      result = ["F", "00000024", "REQUEST_TRAFFIC_EXCEED_LIMIT"];
    } else if (fault === "unknown") result = ["U", "00000901", "UNKNOWN_EXCEPTION"];
    else if (fault === "param-illegal") result = ["F", "00000004", "PARAM_ILLEGAL"];
    else if (fault === "invalid-signature") result = ["F", "00000007", "INVALID_SIGNATURE"];
    else result = ["S", "00000000", "SUCCESS"];
    if (result[2] !== "REQUEST_TRAFFIC_EXCEED_LIMIT" && verified) this.accepted.push(at);
    record.answer = result[2];
    return this.answer(parsed.head, result, fault === "bad-signature");
  }

  private async answer(
    head: { reqMsgId: string; clientId: string },
    [resultStatus, resultCodeId, resultCode]: [string, string, string],
    badSignature: boolean,
  ): Promise<Response> {
    const response = JSON.stringify({
      head: {
        version: "2.0.0",
        function: "alipay.intl.user.inform.delegateSendNotification",
        clientId: head.clientId,
        respTime: "2026-11-26T12:08:57+08:00",
        reqMsgId: head.reqMsgId,
        reserve: "{}",
      },
      body: { resultInfo: { resultStatus, resultCodeId, resultCode, resultMsg: resultCode.toLowerCase() } },
    });
    let signature = await signText(this.alipayKey, response);
    if (badSignature) signature = signature.slice(0, 10) + (signature[10] === "A" ? "B" : "A") + signature.slice(11);
    return new Response(`{"response":${response},"signature":${JSON.stringify(signature)}}`, {
      headers: { "Content-Type": "application/json; charset=UTF-8" },
    });
  }
}
