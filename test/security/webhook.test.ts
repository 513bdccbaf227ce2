import { describe, expect, it } from "vitest";
import {
  checkWebhookHeaders,
  formatWebhookSecret,
  parseWebhookSecret,
  parseWebhookSecrets,
  signWebhook,
  startWebhookMac,
  verifyWebhook,
  WEBHOOK_TOLERANCE_SECONDS,
} from "../../src/security/webhook";

// The example published with the Standard Webhooks specification (and its reference libraries).
const SPEC = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: "1614265330",
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

/** An independent implementation: WebCrypto's HMAC, not @noble/hashes. */
async function webCryptoSignature(secret: Uint8Array, id: string, timestamp: string, body: string) {
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${btoa(String.fromCharCode(...new Uint8Array(mac)))}`;
}

const secret = parseWebhookSecret(SPEC.secret)!;
const now = Number(SPEC.timestamp);
const valid = { id: SPEC.id, timestamp: SPEC.timestamp, signatureHeader: SPEC.signature, body: SPEC.body, secret, now };

describe("signWebhook", () => {
  it("reproduces the specification's example signature", () => {
    expect(signWebhook({ id: SPEC.id, timestamp: SPEC.timestamp, body: SPEC.body, secret })).toBe(SPEC.signature);
  });

  it("agrees with WebCrypto HMAC-SHA256 on random secrets and bodies, including non-ASCII text", async () => {
    for (let round = 0; round < 20; round++) {
      const key = crypto.getRandomValues(new Uint8Array(16 + round));
      const id = `msg_${round}`;
      const timestamp = String(1_700_000_000 + round);
      const body = JSON.stringify({ round, text: "通知 ✓ ü", random: Array.from(key) });
      expect(signWebhook({ id, timestamp, body, secret: key })).toBe(
        await webCryptoSignature(key, id, timestamp, body),
      );
    }
  });

  it("signs raw bytes the same as the text they encode", () => {
    const bytes = new TextEncoder().encode(SPEC.body);
    expect(signWebhook({ id: SPEC.id, timestamp: Number(SPEC.timestamp), body: bytes, secret })).toBe(SPEC.signature);
  });
});

describe("verifyWebhook", () => {
  it("accepts the specification's example and returns the webhook id", () => {
    expect(verifyWebhook(valid)).toEqual({ ok: true, webhookId: SPEC.id });
  });

  it("accepts a signature made by WebCrypto", async () => {
    const signatureHeader = await webCryptoSignature(secret, "msg_x", "1700000000", "{}");
    const result = verifyWebhook({
      id: "msg_x",
      timestamp: "1700000000",
      signatureHeader,
      body: "{}",
      secret,
      now: 1700000000,
    });
    expect(result).toEqual({ ok: true, webhookId: "msg_x" });
  });

  it("accepts the raw body as bytes", () => {
    expect(verifyWebhook({ ...valid, body: new TextEncoder().encode(SPEC.body) }).ok).toBe(true);
  });

  it("accepts when any of several signatures matches (key rotation), ignoring other versions", () => {
    const other = signWebhook({ ...SPEC, secret: crypto.getRandomValues(new Uint8Array(24)) });
    for (const signatureHeader of [
      `${other} ${SPEC.signature}`,
      `${SPEC.signature} ${other}`,
      `v1a,c29tZXRoaW5nIGVsc2U= ${SPEC.signature}`,
      `${SPEC.signature.replace("v1,", "v2,")} ${other}  ${SPEC.signature}`,
    ]) {
      expect(verifyWebhook({ ...valid, signatureHeader }), signatureHeader).toEqual({ ok: true, webhookId: SPEC.id });
    }
  });

  it("refuses when no v1 signature matches", () => {
    const other = signWebhook({ ...SPEC, secret: crypto.getRandomValues(new Uint8Array(24)) });
    for (const signatureHeader of [
      other,
      `${other} ${other}`,
      SPEC.signature.replace("v1,", "v1a,"), // right bytes, wrong version
      SPEC.signature.replace("v1,", "v2,"),
      "v1,not*base64",
      "v1,AAAA", // valid base64, wrong length
    ]) {
      expect(verifyWebhook({ ...valid, signatureHeader }), signatureHeader).toEqual({
        ok: false,
        problem: "bad-signature",
      });
    }
  });

  it("refuses a tampered body, id or timestamp", () => {
    const badSignature = { ok: false, problem: "bad-signature" };
    expect(verifyWebhook({ ...valid, body: '{"test": 2432232315}' })).toEqual(badSignature);
    expect(verifyWebhook({ ...valid, body: `${SPEC.body} ` })).toEqual(badSignature);
    expect(verifyWebhook({ ...valid, id: `${SPEC.id}x` })).toEqual(badSignature);
    expect(verifyWebhook({ ...valid, timestamp: String(now + 1) })).toEqual(badSignature);
  });

  it("refuses another secret", () => {
    const otherSecret = crypto.getRandomValues(new Uint8Array(24));
    expect(verifyWebhook({ ...valid, secret: otherSecret })).toEqual({ ok: false, problem: "bad-signature" });
  });

  it("accepts timestamps up to the tolerance either way and refuses one second beyond", () => {
    const at = (clock: number) => verifyWebhook({ ...valid, now: clock });
    expect(at(now + WEBHOOK_TOLERANCE_SECONDS).ok).toBe(true);
    expect(at(now - WEBHOOK_TOLERANCE_SECONDS).ok).toBe(true);
    expect(at(now + WEBHOOK_TOLERANCE_SECONDS + 1)).toEqual({ ok: false, problem: "stale" });
    expect(at(now - WEBHOOK_TOLERANCE_SECONDS - 1)).toEqual({ ok: false, problem: "stale" }); // from the future
  });

  it("keeps a message fresh for 5 minutes either way (seen ids are kept with their jobs, far longer)", () => {
    expect(WEBHOOK_TOLERANCE_SECONDS).toBe(300);
  });

  it("reports missing headers", () => {
    for (const missing of ["id", "timestamp", "signatureHeader"] as const) {
      for (const value of [undefined, null, ""]) {
        expect(verifyWebhook({ ...valid, [missing]: value }), `${missing}=${value}`).toEqual({
          ok: false,
          problem: "missing-headers",
        });
      }
    }
  });

  it("reports malformed headers", () => {
    const malformed = { ok: false, problem: "malformed" };
    for (const timestamp of ["abc", "1614265330.5", "-1614265330", "1e9", " 1614265330", "1".repeat(16)]) {
      expect(verifyWebhook({ ...valid, timestamp }), timestamp).toEqual(malformed);
    }
    for (const signatureHeader of [" ", "v1", "v1,", ",abc", `${SPEC.signature} garbage`]) {
      expect(verifyWebhook({ ...valid, signatureHeader }), signatureHeader).toEqual(malformed);
    }
    expect(verifyWebhook({ ...valid, id: "x".repeat(257) })).toEqual(malformed);
  });
});

describe("several secrets (a rotation in progress)", () => {
  const oldKey = crypto.getRandomValues(new Uint8Array(32));
  const newKey = crypto.getRandomValues(new Uint8Array(32));
  const stranger = crypto.getRandomValues(new Uint8Array(32));
  const signedWith = (key: Uint8Array) =>
    signWebhook({ id: SPEC.id, timestamp: SPEC.timestamp, body: SPEC.body, secret: key });

  it("verifies a message signed with either configured secret, and refuses one signed with neither", () => {
    const configured = [oldKey, newKey];
    for (const key of configured) {
      expect(verifyWebhook({ ...valid, secret: configured, signatureHeader: signedWith(key) })).toEqual({
        ok: true,
        webhookId: SPEC.id,
      });
    }
    expect(verifyWebhook({ ...valid, secret: configured, signatureHeader: signedWith(stranger) })).toEqual({
      ok: false,
      problem: "bad-signature",
    });
    // The order of the list does not matter.
    expect(verifyWebhook({ ...valid, secret: [newKey, oldKey], signatureHeader: signedWith(oldKey) }).ok).toBe(true);
  });

  it("the streamed MAC feeds every secret: a body in chunks verifies under the second secret", () => {
    const headers = checkWebhookHeaders({
      id: SPEC.id,
      timestamp: SPEC.timestamp,
      signatureHeader: signedWith(newKey),
      now,
    });
    if (!headers.ok) throw new Error("headers refused");
    const bytes = new TextEncoder().encode(SPEC.body);
    const mac = startWebhookMac([oldKey, newKey], headers);
    mac.update(bytes.subarray(0, 5)).update(bytes.subarray(5));
    expect(mac.matches()).toBe(true);
    const other = startWebhookMac([oldKey, stranger], headers);
    expect(other.update(bytes).matches()).toBe(false);
  });

  it("signs with every secret: one v1 entry each, each the HMAC WebCrypto computes with that secret alone", async () => {
    const header = signWebhook({ id: "msg_r", timestamp: 1_700_000_000, body: "{}", secret: [oldKey, newKey] });
    expect(header.split(" ")).toEqual([
      await webCryptoSignature(oldKey, "msg_r", "1700000000", "{}"),
      await webCryptoSignature(newKey, "msg_r", "1700000000", "{}"),
    ]);
    // A receiver holding only one of them verifies the message.
    for (const key of [oldKey, newKey]) {
      expect(
        verifyWebhook({
          id: "msg_r",
          timestamp: "1700000000",
          signatureHeader: header,
          body: "{}",
          secret: key,
          now: 1_700_000_000,
        }).ok,
      ).toBe(true);
    }
  });

  it("parseWebhookSecrets: a comma-separated list, spaces allowed; a bad entry named by position, never by value", () => {
    const a = formatWebhookSecret(oldKey);
    const b = formatWebhookSecret(newKey);
    expect(parseWebhookSecrets(a)).toEqual({ ok: true, value: [oldKey] });
    expect(parseWebhookSecrets(` ${a} , ${b},`)).toEqual({ ok: true, value: [oldKey, newKey] });
    const bad = parseWebhookSecrets(`${a},whsec_short-and-secret`);
    expect(bad).toEqual({ ok: false, problem: expect.stringContaining("secret 2 of 2") });
    expect(JSON.stringify(bad)).not.toContain("short-and-secret");
    expect(parseWebhookSecrets(" , ,")).toMatchObject({ ok: false, problem: expect.stringContaining("no secrets") });
  });
});

describe("parseWebhookSecret", () => {
  it("decodes whsec_ secrets and round-trips with formatWebhookSecret", () => {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    expect(parseWebhookSecret(formatWebhookSecret(bytes))).toEqual(bytes);
    expect(secret.length).toBe(24);
  });

  it("refuses a missing prefix, bad base64 and secrets under 16 bytes", () => {
    const sixteen = formatWebhookSecret(new Uint8Array(16));
    expect(parseWebhookSecret(sixteen)).toHaveLength(16);
    for (const text of [
      "",
      "whsec_",
      SPEC.secret.slice("whsec_".length),
      SPEC.secret.replace("whsec_", "WHSEC_"),
      "whsec_not base64!",
      "whsec_AAAAA", // impossible length
      formatWebhookSecret(new Uint8Array(15)),
    ]) {
      expect(parseWebhookSecret(text), text).toBeUndefined();
    }
  });
});

describe("checkWebhookHeaders: the cheap check before any body is read", () => {
  const headers = { id: SPEC.id, timestamp: SPEC.timestamp, signatureHeader: SPEC.signature, now };

  it("passes good headers on with their decoded v1 signatures, ignoring other versions", () => {
    const r = checkWebhookHeaders({ ...headers, signatureHeader: `v1a,c29tZXRoaW5n ${SPEC.signature}` });
    expect(r).toMatchObject({ ok: true, id: SPEC.id, timestamp: SPEC.timestamp });
    expect(r.ok && r.signatures.map((b) => btoa(String.fromCharCode(...b)))).toEqual([SPEC.signature.slice(3)]);
  });

  it("refuses missing, malformed and stale headers, and headers no body could match", () => {
    expect(checkWebhookHeaders({ ...headers, id: undefined })).toEqual({ ok: false, problem: "missing-headers" });
    expect(checkWebhookHeaders({ ...headers, timestamp: "1e9" })).toEqual({ ok: false, problem: "malformed" });
    expect(checkWebhookHeaders({ ...headers, now: now + WEBHOOK_TOLERANCE_SECONDS + 1 })).toEqual({
      ok: false,
      problem: "stale",
    });
    for (const signatureHeader of ["v1a,c29tZXRoaW5n", "v2,AAAA", "v1,not*base64"]) {
      expect(checkWebhookHeaders({ ...headers, signatureHeader }), signatureHeader).toEqual({
        ok: false,
        problem: "bad-signature",
      });
    }
  });
});

describe("startWebhookMac: the HMAC computed while the body streams", () => {
  const checked = checkWebhookHeaders({ id: SPEC.id, timestamp: SPEC.timestamp, signatureHeader: SPEC.signature, now });
  if (!checked.ok) throw new Error("the specification's headers must pass");
  const body = new TextEncoder().encode(SPEC.body);

  it("matches the specification's example however the body is cut into chunks", () => {
    for (let size = 1; size <= body.length; size++) {
      const mac = startWebhookMac(secret, checked);
      for (let at = 0; at < body.length; at += size) mac.update(body.subarray(at, at + size));
      expect(mac.matches(), `chunks of ${size}`).toBe(true);
    }
    expect(startWebhookMac(secret, checked).update(new Uint8Array()).update(body).matches()).toBe(true);
  });

  it("does not match a changed, shortened or longer body", () => {
    expect(startWebhookMac(secret, checked).update(body.subarray(0, -1)).matches()).toBe(false);
    expect(
      startWebhookMac(secret, checked)
        .update(body)
        .update(new Uint8Array([0x20]))
        .matches(),
    ).toBe(false);
    expect(startWebhookMac(secret, checked).update(new TextEncoder().encode('{"test": 2432232315}')).matches()).toBe(
      false,
    );
  });

  it("fed from a ReadableStream, agrees with WebCrypto's HMAC on random secrets, ids and bodies", async () => {
    for (let round = 0; round < 20; round++) {
      const key = crypto.getRandomValues(new Uint8Array(16 + round));
      const id = `msg_${round}_${"é".repeat(round)}`;
      const timestamp = String(now + round);
      const bytes = crypto.getRandomValues(new Uint8Array(1 + round * 997));
      const hmacKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
      const signed = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, new Uint8Array([...prefix, ...bytes])));
      const expected = btoa(String.fromCharCode(...signed));
      const headers = checkWebhookHeaders({ id, timestamp, signatureHeader: `v1,${expected}`, now });
      if (!headers.ok) throw new Error(`headers refused: ${headers.problem}`);
      const mac = startWebhookMac(key, headers);
      const stream = new Response(bytes).body!;
      for await (const chunk of stream) mac.update(chunk);
      expect(mac.matches(), `round ${round}`).toBe(true);
    }
  });
});
