/**
 * Signing and verification for the stand-in, on node:crypto (OpenSSL) — deliberately not WebCrypto, so a
 * mistake shared by the relay's signer and its own tests cannot hide here.
 *
 * AlipayHK: RSASSA-PKCS1-v1_5 over the UTF-8 bytes of the raw `request`/`response` text, base64.
 * `RSA` = SHA1withRSA (the 2.0.0 pages), `RSA2` = SHA256withRSA.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

/** `RSA` = SHA1withRSA, `RSA2` = SHA256withRSA. */
export type SignAlgorithm = "RSA" | "RSA2";

/** The node:crypto digest name for an AlipayHK sign algorithm. */
export function digestOf(algorithm: SignAlgorithm): "sha1" | "sha256" {
  return algorithm === "RSA2" ? "sha256" : "sha1";
}

/** Parses a PEM (PKCS#1, PKCS#8 or SPKI) or an already-made KeyObject into a public KeyObject. */
export function toPublicKey(key: string | KeyObject): KeyObject {
  if (typeof key !== "string") return key.type === "public" ? key : createPublicKey(key);
  return createPublicKey(key);
}

/** Parses a private key PEM (PKCS#1 or PKCS#8) or KeyObject. */
export function toPrivateKey(key: string | KeyObject): KeyObject {
  return typeof key === "string" ? createPrivateKey(key) : key;
}

/**
 * True when `signature` (base64, or URL-encoded base64) verifies over the UTF-8 bytes of `raw`.
 * Never throws: a malformed signature is simply not valid.
 */
export function verifyText(raw: string, signature: string, key: KeyObject, algorithm: SignAlgorithm): boolean {
  try {
    const b64 = signature.includes("%") ? decodeURIComponent(signature) : signature;
    // Buffer.from(…, "base64") silently skips junk; insist on the base64 alphabet so garbage never verifies.
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
    return verify(digestOf(algorithm), Buffer.from(raw, "utf8"), key, Buffer.from(b64, "base64"));
  } catch {
    return false;
  }
}

/** Signs the UTF-8 bytes of `raw`, base64. */
export function signText(raw: string, key: KeyObject, algorithm: SignAlgorithm): string {
  return sign(digestOf(algorithm), Buffer.from(raw, "utf8"), key).toString("base64");
}
