/**
 * Logs: one structured JSON line per request's attempt (requestId, reqMsgId, size, attempt, resultCode, latencyMs),
 * and nothing secret or personal in any line — no key material, no API key, no webhook secret, no
 * notification payload (openIds, template values).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parseWebhookSecret, signWebhook } from "../src/security/webhook";
import { TestGateway } from "./support/gateway";
import { API_KEY, OTHER_API_KEY, freshRelay, notifications, relay, setting, submit, waitForJob } from "./support/relay";

interface LogLine {
  at: string;
  event: string;
  [field: string]: unknown;
}

let lines: string[] = [];

beforeEach(async () => {
  await freshRelay();
  lines = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
});
afterEach(() => vi.restoreAllMocks());

function parsed(): LogLine[] {
  return lines.map((line) => JSON.parse(line) as LogLine);
}

/** Strings that must never appear in a log line. */
function forbidden(): string[] {
  const pemLines = (name: string) =>
    setting(name)
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.length > 20 && !l.startsWith("-----"));
  return [
    API_KEY,
    OTHER_API_KEY,
    "test-key-charlie-0123456789",
    setting("RELAY_WEBHOOK_SECRET").slice("whsec_".length),
    ...pemLines("ALIPAY_PRIVATE_KEY"),
    ...pemLines("TEST_ALIPAY_PRIVATE_KEY"),
    "user-0000",
    "Tea House",
    "shop.example.hk",
    "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
  ];
}

describe("structured logs", () => {
  it("one JSON line per request's attempt with requestId, reqMsgId, size, attempt, resultCode and latencyMs", async () => {
    const gateway = await TestGateway.install();
    // The request that starts at user-000000 is retried, the next one clean, the one from user-000200 final.
    gateway.faultsByFirstOpenId = { "user-000000": ["unknown"], "user-000200": ["param-illegal"] };
    const job = await submit(250);
    await waitForJob(job.jobId, 10_000);

    const lines = parsed().filter((l) => l.event === "attempt");
    // A send that a busy sender held back (late for its slot) is logged too, as MISSED_SLOT; it never
    // reached the gateway and cost no attempt.
    const attempts = lines.filter((l) => l.resultCode !== "MISSED_SLOT");
    expect(attempts).toHaveLength(gateway.received.length);
    expect(attempts.map((a) => a.reqMsgId).sort()).toEqual(gateway.received.map((r) => r.reqMsgId).sort());
    for (const a of lines) {
      expect(typeof a.requestId).toBe("number");
      expect(typeof a.size).toBe("number");
      expect(typeof a.attempt).toBe("number");
      expect(typeof a.resultCode).toBe("string");
      expect(typeof a.latencyMs).toBe("number");
      expect(a.latencyMs as number).toBeGreaterThanOrEqual(0);
      expect(Number.isNaN(Date.parse(a.at))).toBe(false);
    }
    // Requests of 100, 100 and 50; the first answered U and its 100 resent (their second attempt).
    expect(attempts.map((a) => [a.attempt, a.resultCode, a.size]).sort()).toEqual(
      [
        [1, "UNKNOWN_EXCEPTION", 100],
        [1, "SUCCESS", 100],
        [1, "PARAM_ILLEGAL", 50],
        [2, "SUCCESS", 100],
      ].sort(),
    );
    expect(parsed().filter((l) => l.event === "job_completed")).toEqual([
      expect.objectContaining({ jobId: job.jobId, succeeded: 200, failed: 50 }),
    ]);
  }, 15_000);

  it("no line carries key material, an API key, the webhook secret or a payload, whatever the request", async () => {
    const gateway = await TestGateway.install();
    gateway.faults = ["bad-signature", "garbage", "http-502"];
    // Bearer, webhook, refused and invalid requests, and a job with retried attempts.
    const job = await submit(120);
    const body = JSON.stringify({ notifications: notifications(3) });
    const id = "msg_logging";
    const timestamp = Math.floor(Date.now() / 1000);
    const secret = parseWebhookSecret(setting("RELAY_WEBHOOK_SECRET"))!;
    const signature = signWebhook({ id, timestamp, body, secret });
    const signed = {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signature,
    };
    expect((await relay("/v1/notifications", { method: "POST", key: null, body, headers: signed })).status).toBe(202);
    // The same webhook-id over another body is a replay (409).
    const replayBody = JSON.stringify({ notifications: notifications(4) });
    const replay = { ...signed, "webhook-signature": signWebhook({ id, timestamp, body: replayBody, secret }) };
    expect(
      (await relay("/v1/notifications", { method: "POST", key: null, body: replayBody, headers: replay })).status,
    ).toBe(409);
    expect((await relay("/v1/status", { key: "test-key-charlie-0123456789" })).status).toBe(401);
    const invalid = { notifications: [{ openId: "user-000999", templateCode: "", templateValue: "Tea House" }] };
    expect((await relay("/v1/notifications", { method: "POST", json: invalid })).status).toBe(400);
    await waitForJob(job.jobId, 10_000);

    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      expect(() => JSON.parse(line)).not.toThrow();
      for (const secretText of forbidden()) {
        if (line.includes(secretText))
          throw new Error(`a log line contains ${secretText.slice(0, 12)}…: ${line.slice(0, 200)}`);
      }
    }
    // The retried attempts were logged too, with the relay's codes for them.
    const codes = parsed()
      .filter((l) => l.event === "attempt")
      .map((l) => l.resultCode);
    expect(codes).toEqual(expect.arrayContaining(["UNVERIFIED_ANSWER", "MALFORMED_ANSWER", "HTTP_502", "SUCCESS"]));
  }, 15_000);
});
