/** Standard-alphabet base64 <-> bytes, with Web APIs only (atob/btoa), for keys and signatures. */

/** Decodes standard base64, ignoring whitespace and line breaks (PEM bodies); null if not base64. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> | null {
  // atob already skips ASCII whitespace and rejects anything outside the alphabet (WHATWG
  // "forgiving-base64 decode"); its error is our null, so a caller never has to catch.
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Encodes bytes as standard, padded base64 on one line. */
export function bytesToBase64(bytes: Uint8Array): string {
  // Chunked so a large input never exceeds the engine's argument-count limit for fromCharCode.
  const chunk = 0x8000;
  let binary = "";
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
