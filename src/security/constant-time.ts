/**
 * Byte comparison whose running time does not depend on where the inputs differ.
 *
 * Why a hand-written loop rather than `crypto.subtle.timingSafeEqual`: that method is a workerd
 * extension (absent from Deno and from Node's WebCrypto), and this folder must run unchanged on all
 * three. Callers compare fixed-length digests or MACs, so the length is public and the XOR-accumulate
 * loop below is all that is needed; the same code path runs in tests and in production.
 */

/** True when `a` and `b` hold the same bytes; time depends only on the lengths, which are treated as public. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
