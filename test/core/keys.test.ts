import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../src/core/base64";
import { encodeTlv, wrapPkcs1PrivateKey } from "../../src/core/der";
import { importPrivateKey, importPublicKey, type KeyImport, type KeyProblem } from "../../src/core/keys";
import type { SignAlgorithm } from "../../src/core/types";
import * as v from "../fixtures/crypto/vectors";

const HASH: Record<SignAlgorithm, string> = { RSA: "SHA-1", RSA2: "SHA-256" };

function expectKey(result: KeyImport, type: "private" | "public", algorithm: SignAlgorithm): CryptoKey {
  if (!result.ok) throw new Error(`expected a key, got ${result.problem}: ${result.message}`);
  expect(result.bits).toBe(2048);
  expect(result.key.type).toBe(type);
  expect(result.key.extractable).toBe(false);
  expect(result.key.usages).toEqual([type === "private" ? "sign" : "verify"]);
  expect(result.key.algorithm).toMatchObject({
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: 2048,
    hash: { name: HASH[algorithm] },
  });
  return result.key;
}

describe.each(["RSA", "RSA2"] as const)("accepted forms (%s)", (algorithm) => {
  it.each([
    ["PKCS#1 PEM (`openssl genrsa`)", v.merchantPkcs1Pem],
    ["PKCS#8 PEM", v.merchantPkcs8Pem],
    ["bare one-line base64 PKCS#8 DER", v.merchantPkcs8Base64],
    ["PEM with literal \\n escapes, as pasted into a secret", v.merchantPkcs1Pem.replace(/\n/g, "\\n")],
    ["PEM with CRLF line ends and surrounding blanks", `\n ${v.merchantPkcs8Pem.replace(/\n/g, "\r\n")} \n`],
    ["base64 wrapped at 64 columns", v.merchantPkcs8Base64.replace(/(.{64})/g, "$1\n")],
  ])("private key as %s", async (_name, text) => {
    expectKey(await importPrivateKey(text, algorithm), "private", algorithm);
  });

  it.each([
    ["SPKI PEM", v.alipaySpkiPem],
    ["bare base64 SPKI DER", v.alipaySpkiBase64],
    ["PKCS#1 RSA PUBLIC KEY PEM", v.merchantPkcs1PublicPem],
  ])("public key as %s", async (_name, text) => {
    expectKey(await importPublicKey(text, algorithm), "public", algorithm);
  });
});

/** The base64 body of a key text: what must never leak into a message. */
function keyBody(text: string): string {
  return text
    .split("\n")
    .filter((line) => !line.startsWith("-----") && !line.includes(":"))
    .join("")
    .replace(/\s/g, "");
}

// A DER structure shaped like PKCS#1 (nine INTEGERs) that no RSA implementation accepts as a key.
const nineZeros = encodeTlv(
  0x30,
  new Uint8Array(27).map((_, i) => [0x02, 0x01, 0x00][i % 3] ?? 0),
);
const hollowPkcs8 = bytesToBase64(wrapPkcs1PrivateKey(nineZeros));
const truncatedPem = v.merchantPkcs8Pem
  .split("\n")
  .filter((_, i) => i < 5 || i > 12)
  .join("\n");
const garbagePem = `-----BEGIN PRIVATE KEY-----\n${v.garbageBase64}\n-----END PRIVATE KEY-----\n`;

type Case = [string, "private" | "public", KeyProblem, string];
const refused: Case[] = [
  ["encrypted PKCS#8", "private", "encrypted", v.encryptedPkcs8Pem],
  ["legacy encrypted PKCS#1 (Proc-Type)", "private", "encrypted", v.encryptedPkcs1Pem],
  ["EC P-256 PKCS#8", "private", "not-rsa", v.ecPkcs8Pem],
  ["EC P-256 SEC1", "private", "not-rsa", v.ecSec1Pem],
  ["EC P-256 SPKI", "public", "not-rsa", v.ecSpkiPem],
  ["RSA-1024 private", "private", "too-short", v.rsa1024Pkcs1Pem],
  ["RSA-1024 public", "public", "too-short", v.rsa1024SpkiPem],
  ["random base64", "private", "not-a-key", v.garbageBase64],
  ["random base64", "public", "not-a-key", v.garbageBase64],
  ["PEM with a random body", "private", "not-a-key", garbagePem],
  ["PEM with lines cut out", "private", "not-a-key", truncatedPem],
  ["PKCS#8 around a hollow RSA structure", "private", "not-a-key", hollowPkcs8],
  ["empty text", "private", "not-a-key", ""],
  ["blank text", "public", "not-a-key", " \n\t"],
  ["prose", "private", "not-a-key", "paste the key here"],
  ["BEGIN without END", "private", "not-a-key", v.merchantPkcs8Pem.replace(/-----END.*/, "")],
  ["SPKI where a private key is expected", "private", "wrong-kind", v.merchantSpkiPem],
  ["bare SPKI where a private key is expected", "private", "wrong-kind", v.alipaySpkiBase64],
  ["PKCS#1 public where a private key is expected", "private", "wrong-kind", v.merchantPkcs1PublicPem],
  ["PKCS#1 private where a public key is expected", "public", "wrong-kind", v.merchantPkcs1Pem],
  ["PKCS#8 PEM where a public key is expected", "public", "wrong-kind", v.merchantPkcs8Pem],
  ["bare PKCS#8 where a public key is expected", "public", "wrong-kind", v.merchantPkcs8Base64],
];

describe("refused keys say why, without quoting the key", () => {
  it.each(refused)("%s, as a %s key -> %s", async (_name, kind, problem, text) => {
    const result = await (kind === "private" ? importPrivateKey : importPublicKey)(text, "RSA2");
    expect(result).toMatchObject({ ok: false, problem });
    if (result.ok) return;
    expect(result.message.length).toBeGreaterThan(10);
    expect(result.message).not.toMatch(/\n\s+at |Error:/); // no stack trace or wrapped exception
    const body = keyBody(text);
    for (let i = 0; i + 20 <= body.length; i++) {
      expect(result.message).not.toContain(body.slice(i, i + 20));
    }
  });
});

describe("per-isolate memo", () => {
  it("imports the same text once and hands back the same CryptoKey", async () => {
    const [a, b] = await Promise.all([
      importPrivateKey(v.merchantPkcs8Pem, "RSA2"),
      importPrivateKey(v.merchantPkcs8Pem, "RSA2"),
    ]);
    const c = await importPrivateKey(v.merchantPkcs8Pem, "RSA2");
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (!a.ok || !b.ok || !c.ok) return;
    expect(b.key).toBe(a.key);
    expect(c.key).toBe(a.key);
  });

  it("keeps algorithm and kind apart: same text, other hash or kind, other result", async () => {
    const sha256 = await importPrivateKey(v.merchantPkcs8Pem, "RSA2");
    const sha1 = await importPrivateKey(v.merchantPkcs8Pem, "RSA");
    const asPublic = await importPublicKey(v.merchantPkcs8Pem, "RSA2");
    expect(sha256.ok && sha1.ok).toBe(true);
    if (!sha256.ok || !sha1.ok) return;
    expect(sha1.key).not.toBe(sha256.key);
    expect(sha1.key.algorithm).toMatchObject({ hash: { name: "SHA-1" } });
    expect(asPublic).toMatchObject({ ok: false, problem: "wrong-kind" });
  });
});
