/**
 * HMAC-SHA256 over `prefix ‖ body` under each of a source's keys (several while a secret is rotated),
 * fed the body chunk by chunk as it streams in, then compared with the signatures the request carries.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { timingSafeEqual } from "../constant-time";

/** A MAC being computed over a request body. */
export interface SourceMac {
  /** Hashes the next chunk of the body, exactly as received. */
  update(chunk: Uint8Array): void;
  /** After the last chunk: true when any key's MAC equals any presented signature. */
  matches(): boolean;
}

/**
 * Starts one HMAC per key over `prefix`; `presented` are the decoded signatures of the request. Every
 * key is compared with every signature, without an early exit, so the time does not say which matched.
 */
export function startSourceMac(
  keys: readonly Uint8Array[],
  prefix: string,
  presented: readonly Uint8Array[],
): SourceMac {
  const head = new TextEncoder().encode(prefix);
  const states = keys.map((key) => hmac.create(sha256, key).update(head));
  let result: boolean | undefined;
  return {
    update(chunk) {
      for (const state of states) state.update(chunk);
    },
    matches() {
      if (result === undefined) {
        let matched = false;
        for (const state of states) {
          const expected = state.digest();
          for (const candidate of presented) if (timingSafeEqual(candidate, expected)) matched = true;
        }
        result = matched;
      }
      return result;
    },
  };
}

/** Standard base64 to bytes; undefined when it is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** Lower- or upper-case hex to bytes; undefined when it is not an even run of hex digits. */
export function fromHex(text: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(text)) return undefined;
  return Uint8Array.from(text.match(/../g)!, (pair) => Number.parseInt(pair, 16));
}
