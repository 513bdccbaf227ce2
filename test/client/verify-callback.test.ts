/**
 * `verifyCallback` on real callbacks from the relay in workerd (signed by the relay's @noble/hashes
 * HMAC, verified by the client's Web Crypto), on the Standard Webhooks specification's example, and on
 * every way a callback must be refused.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { CallbackVerificationError, RelayClient, verifyCallback } from "../../src/client";
import { exports } from "cloudflare:workers";
import { TestGateway } from "../support/gateway";
import { API_KEY, freshRelay, notifications, OTHER_API_KEY } from "../support/relay";
import { until } from "../support/until";

beforeEach(freshRelay);

const relayClient = (key: string) =>
  new RelayClient({
    baseUrl: "https://relay.test",
    apiKey: key,
    fetch: (input, init) => exports.default.fetch(new Request(input, init)),
  });

/** Submits a job with a callback and returns the callback as the receiver got it: headers and raw bytes. */
async function realCallback(): Promise<{ headers: Headers; body: Uint8Array; jobId: string }> {
  const gateway = await TestGateway.install();
  const received: { headers: Headers; body: Uint8Array }[] = [];
  gateway.elsewhere = async (request) => {
    received.push({ headers: request.headers, body: new Uint8Array(await request.arrayBuffer()) });
    return new Response(null, { status: 204 });
  };
  const { jobId } = await relayClient(API_KEY).submit({
    callbackUrl: "https://shop.example/relay-done",
    notifications: notifications(2),
  });
  await until(() => received.length === 1, 15_000, "the callback");
  return { ...received[0]!, jobId };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CallbackVerificationError);
  return (error as CallbackVerificationError).reason;
}

describe("verifyCallback", () => {
  it("verifies a real callback with the caller's secrets and returns its job; refuses every alteration", async () => {
    const { headers, body, jobId } = await realCallback();
    const { secrets } = await relayClient(API_KEY).callbackSecrets();
    const job = await verifyCallback(headers, body, secrets);
    expect(job).toMatchObject({ jobId, status: "completed", succeeded: 2 });
    // The text of the body verifies too; so does any list holding the right secret, first or not.
    expect((await verifyCallback(headers, new TextDecoder().decode(body), secrets[0]!)).jobId).toBe(jobId);
    const stranger = `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;
    expect((await verifyCallback(headers, body, [stranger, ...secrets])).jobId).toBe(jobId);

    const theirs = (await relayClient(OTHER_API_KEY).callbackSecrets()).secrets;
    expect(await refusal(verifyCallback(headers, body, theirs))).toBe("bad-signature");
    expect(await refusal(verifyCallback(headers, body, [stranger]))).toBe("bad-signature");
    const tampered = body.slice();
    tampered[tampered.length - 2]! ^= 1;
    expect(await refusal(verifyCallback(headers, tampered, secrets))).toBe("bad-signature");
    const otherId = new Headers(headers);
    otherId.set("webhook-id", "msg_someone_else");
    expect(await refusal(verifyCallback(otherId, body, secrets))).toBe("bad-signature");
    const timestamp = Number(headers.get("webhook-timestamp"));
    expect(await refusal(verifyCallback(headers, body, secrets, { now: timestamp + 301 }))).toBe("stale");
    expect(await refusal(verifyCallback(headers, body, secrets, { now: timestamp - 301 }))).toBe("stale");
    expect((await verifyCallback(headers, body, secrets, { now: timestamp + 300 })).jobId).toBe(jobId);
    const missing = new Headers(headers);
    missing.delete("webhook-signature");
    expect(await refusal(verifyCallback(missing, body, secrets))).toBe("missing-headers");
  }, 30_000);

  it("takes Node's header record (lower-case names, a value possibly an array)", async () => {
    const { headers, body, jobId } = await realCallback();
    const { secrets } = await relayClient(API_KEY).callbackSecrets();
    const record: Record<string, string | string[] | undefined> = {};
    headers.forEach((value, name) => {
      record[name] = value;
    });
    record["webhook-signature"] = [record["webhook-signature"] as string];
    expect((await verifyCallback(record, body, secrets)).jobId).toBe(jobId);
  }, 30_000);

  it("accepts the Standard Webhooks specification's example, and a secret given without its whsec_ prefix", async () => {
    const headers = {
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    };
    const body = '{"test": 2432232314}';
    const options = { now: 1614265330 };
    expect(await verifyCallback(headers, body, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", options)).toEqual({
      test: 2432232314,
    });
    expect(await verifyCallback(headers, body, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", options)).toEqual({
      test: 2432232314,
    });
    expect(
      await refusal(
        verifyCallback(
          { ...headers, "webhook-timestamp": "16142653.30" },
          body,
          "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
          options,
        ),
      ),
    ).toBe("malformed");
    expect(await refusal(verifyCallback(headers, body, [], options))).toBe("no-secret");
  });
});
