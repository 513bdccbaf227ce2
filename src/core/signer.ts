/**
 * RSASSA-PKCS1-v1_5 over exact text. AlipayHK signs the raw `request`/`response` value, braces
 * included, so the bytes signed are the UTF-8 of the very string sent or received: never re-serialize.
 * The hash (SHA-1 for `RSA`, SHA-256 for `RSA2`) is fixed by the key, chosen at import in keys.ts.
 */
import { base64ToBytes, bytesToBase64 } from "./base64";

const RSA_PKCS1 = { name: "RSASSA-PKCS1-v1_5" } as const;
const encoder = new TextEncoder();

/** Base64 RSASSA-PKCS1-v1_5 signature over the UTF-8 bytes of `text` (the exact request text). */
export async function signText(key: CryptoKey, text: string): Promise<string> {
  const signature = await crypto.subtle.sign(RSA_PKCS1, key, encoder.encode(text));
  return bytesToBase64(new Uint8Array(signature));
}

/** True only if `signature` (base64, or URL-encoded base64) verifies over `text`; never throws. */
export async function verifyText(key: CryptoKey, text: string, signature: string): Promise<boolean> {
  const bytes = decodeSignature(signature);
  if (!bytes || bytes.length === 0) return false;
  try {
    return await crypto.subtle.verify(RSA_PKCS1, key, bytes, encoder.encode(text));
  } catch {
    // A key of the wrong kind or usage is a wiring bug, but an unverifiable answer is still untrusted.
    return false;
  }
}

/** Signature bytes from base64 that AlipayHK may send URL-encoded (`%2B`, `%2F`, `%3D`). */
function decodeSignature(signature: string): Uint8Array<ArrayBuffer> | null {
  let text = signature;
  // Only percent-decode what is percent-encoded: `+` is base64's own and must never become a space,
  // which is why decodeURIComponent (not form decoding) is used, and only when a `%` is present.
  if (text.includes("%")) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return null;
    }
  }
  return base64ToBytes(text);
}
