import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64 } from "../../src/core/base64";
import { importPrivateKey, importPublicKey } from "../../src/core/keys";
import { signText, verifyText } from "../../src/core/signer";
import type { SignAlgorithm } from "../../src/core/types";
import * as v from "../fixtures/crypto/vectors";

async function privateKey(text: string, algorithm: SignAlgorithm): Promise<CryptoKey> {
  const result = await importPrivateKey(text, algorithm);
  if (!result.ok) throw new Error(result.message);
  return result.key;
}

async function publicKey(text: string, algorithm: SignAlgorithm): Promise<CryptoKey> {
  const result = await importPublicKey(text, algorithm);
  if (!result.ok) throw new Error(result.message);
  return result.key;
}

/** The same signature with one byte flipped (done on bytes, so the base64 stays well-formed). */
function flipOneByte(signature: string): string {
  const bytes = base64ToBytes(signature);
  if (!bytes) throw new Error("fixture is not base64");
  bytes[100] = (bytes[100] ?? 0) ^ 0x01;
  return bytesToBase64(bytes);
}

const OPENSSL_SIGNATURE: Record<SignAlgorithm, string> = {
  RSA: v.requestSignatureSha1, // openssl dgst -sha1 -sign
  RSA2: v.requestSignatureSha256, // openssl dgst -sha256 -sign
};

it("the request fixture is multi-byte UTF-8, so signing other bytes than UTF-8 would show", () => {
  expect(new TextEncoder().encode(v.requestText).length).toBeGreaterThan(v.requestText.length);
});

describe.each(["RSA", "RSA2"] as const)("signText (%s) is byte-identical to OpenSSL", (algorithm) => {
  it.each([
    ["PKCS#1 PEM", v.merchantPkcs1Pem],
    ["PKCS#8 PEM", v.merchantPkcs8Pem],
    ["bare base64 PKCS#8", v.merchantPkcs8Base64],
  ])("with the key as %s", async (_name, text) => {
    const signature = await signText(await privateKey(text, algorithm), v.requestText);
    expect(signature).toBe(OPENSSL_SIGNATURE[algorithm]);
  });

  it("and a one-character change in the text changes the signature", async () => {
    const key = await privateKey(v.merchantPkcs8Pem, algorithm);
    const changed = v.requestText.replace('"reserve":"{}"', '"reserve":"{ }"');
    expect(changed).not.toBe(v.requestText);
    expect(await signText(key, changed)).not.toBe(OPENSSL_SIGNATURE[algorithm]);
  });

  it("and the merchant's public key verifies what we signed", async () => {
    const key = await privateKey(v.merchantPkcs1Pem, algorithm);
    const signature = await signText(key, v.requestText);
    const merchantPublic = await publicKey(v.merchantSpkiPem, algorithm);
    expect(await verifyText(merchantPublic, v.requestText, signature)).toBe(true);
  });
});

describe("verifyText on Alipay's OpenSSL-signed answer", () => {
  const cases = [
    ["RSA", v.responseSignatureSha1, v.responseSignatureSha1UrlEncoded],
    ["RSA2", v.responseSignatureSha256, v.responseSignatureSha256UrlEncoded],
  ] as const;

  it.each(cases)("%s: accepts the plain and the URL-encoded signature", async (algorithm, plain, encoded) => {
    // Preconditions that keep this test meaningful: `+` must survive, `%2B` must be decoded.
    expect(plain).toContain("+");
    expect(encoded).toContain("%2B");
    for (const text of [v.alipaySpkiPem, v.alipaySpkiBase64]) {
      const key = await publicKey(text, algorithm);
      expect(await verifyText(key, v.responseText, plain)).toBe(true);
      expect(await verifyText(key, v.responseText, encoded)).toBe(true);
    }
  });

  it.each(cases)("%s: tolerates a signature wrapped over lines", async (algorithm, plain) => {
    const key = await publicKey(v.alipaySpkiPem, algorithm);
    expect(await verifyText(key, v.responseText, plain.replace(/(.{76})/g, "$1\r\n"))).toBe(true);
  });

  it.each(cases)("%s: refuses a one-byte change in the text", async (algorithm, plain, encoded) => {
    const key = await publicKey(v.alipaySpkiPem, algorithm);
    const tampered = v.responseText.replace('"resultStatus":"S"', '"resultStatus":"F"');
    expect(tampered.length).toBe(v.responseText.length);
    expect(await verifyText(key, tampered, plain)).toBe(false);
    expect(await verifyText(key, tampered, encoded)).toBe(false);
  });

  it.each(cases)("%s: refuses a one-byte change in the signature", async (algorithm, plain) => {
    const key = await publicKey(v.alipaySpkiPem, algorithm);
    const flipped = flipOneByte(plain);
    expect(await verifyText(key, v.responseText, flipped)).toBe(false);
    expect(await verifyText(key, v.responseText, encodeURIComponent(flipped))).toBe(false);
  });

  it("a SHA-1 key refuses the SHA-256 signature and vice versa", async () => {
    const sha1 = await publicKey(v.alipaySpkiPem, "RSA");
    const sha256 = await publicKey(v.alipaySpkiPem, "RSA2");
    expect(await verifyText(sha1, v.responseText, v.responseSignatureSha256)).toBe(false);
    expect(await verifyText(sha256, v.responseText, v.responseSignatureSha1)).toBe(false);
  });

  it("the merchant's key refuses a signature made by Alipay's", async () => {
    const other = await publicKey(v.merchantSpkiPem, "RSA2");
    expect(await verifyText(other, v.responseText, v.responseSignatureSha256)).toBe(false);
  });

  it("plain base64 is not form-decoded: `+` read as a space would fail", async () => {
    const key = await publicKey(v.alipaySpkiPem, "RSA2");
    const formDecoded = v.responseSignatureSha256.replace(/\+/g, " ");
    expect(await verifyText(key, v.responseText, formDecoded)).toBe(false);
  });

  it.each([
    ["empty", ""],
    ["not base64", "not a signature!"],
    ["broken percent-encoding", "%E0%A4%A"],
    ["too short", "AAAA"],
    ["the text itself", v.responseText],
  ])("returns false, without throwing, for a signature that is %s", async (_name, signature) => {
    const key = await publicKey(v.alipaySpkiPem, "RSA2");
    await expect(verifyText(key, v.responseText, signature)).resolves.toBe(false);
  });

  it("returns false, without throwing, when handed a key that cannot verify", async () => {
    const signing = await privateKey(v.merchantPkcs8Pem, "RSA2");
    await expect(verifyText(signing, v.requestText, v.requestSignatureSha256)).resolves.toBe(false);
  });
});
