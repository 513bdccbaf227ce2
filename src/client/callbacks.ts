/**
 * Verifying the relay's completion callbacks (Standard Webhooks, https://www.standardwebhooks.com/):
 * HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}` with one of the caller's secrets
 * (`GET /v1/callback-secrets`). Web Crypto only: the comparison is the platform's own `verify`, which
 * does not stop at the first differing byte.
 */
import { type CallbackRefusal, CallbackVerificationError } from "./errors.js";
import type { JobView } from "./types.js";

/** Headers as `Request.headers` has them, or as Node's `IncomingMessage.headers` (lower-case names). */
export type CallbackHeaders = Headers | Record<string, string | string[] | undefined>;

/** Options of `verifyCallback`. */
export interface VerifyCallbackOptions {
  /** How far `webhook-timestamp` may be from now, either way, in seconds (default 300, the specification's). */
  toleranceSeconds?: number;
  /** The current time, in seconds since the Unix epoch (default: the clock). */
  now?: number;
}

/**
 * Verifies a callback and returns the job document it carries. `rawBody` must be the exact bytes (or
 * text) received, before any JSON parsing; `secrets` are `whsec_…` strings, any one of which may have
 * signed it (several while the relay's operator rotates them). Throws `CallbackVerificationError` for a
 * missing or malformed header, a timestamp outside the tolerance, or no signature matching.
 * Receivers should also drop a `webhook-id` they have already handled: retries repeat it.
 */
export async function verifyCallback(
  headers: CallbackHeaders,
  rawBody: string | Uint8Array | ArrayBuffer,
  secrets: string | readonly string[],
  options: VerifyCallbackOptions = {},
): Promise<JobView> {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatureHeader = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatureHeader)
    refuse("missing-headers", "webhook-id, webhook-timestamp and webhook-signature are all required");
  if (!/^\d{1,15}$/.test(timestamp)) refuse("malformed", "webhook-timestamp is not a number of seconds");
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(now - Number(timestamp)) > tolerance)
    refuse("stale", `webhook-timestamp is more than ${tolerance} s from now`);

  const keys = (typeof secrets === "string" ? [secrets] : secrets).map(secretBytes);
  if (keys.length === 0) refuse("no-secret", "no secret to verify with");
  const signatures = signatureHeader
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .flatMap((entry) => {
      const bytes = base64Bytes(entry.slice(3));
      return bytes ? [bytes] : [];
    });
  const body = typeof rawBody === "string" ? new TextEncoder().encode(rawBody) : new Uint8Array(rawBody);
  const signed = concat(new TextEncoder().encode(`${id}.${timestamp}.`), body);

  let matched = false;
  for (const key of keys) {
    const hmac = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    // Every signature against every secret, no early exit: the time taken does not say which matched.
    for (const signature of signatures) if (await crypto.subtle.verify("HMAC", hmac, signature, signed)) matched = true;
  }
  if (!matched) refuse("bad-signature", "no webhook-signature matches the body with these secrets");
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body)) as JobView;
  } catch {
    return refuse("malformed-body", "the signed body is not JSON");
  }
}

function refuse(reason: CallbackRefusal, message: string): never {
  throw new CallbackVerificationError(reason, `callback refused: ${message}`);
}

function header(headers: CallbackHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value.join(" ") : value;
}

/** The key bytes of a `whsec_` secret (the prefix is optional, as Standard Webhooks libraries allow). */
function secretBytes(secret: string): Uint8Array<ArrayBuffer> {
  const text = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  const bytes = base64Bytes(text);
  if (!bytes || bytes.length === 0)
    throw new CallbackVerificationError("no-secret", "a secret is not whsec_ followed by base64");
  return bytes;
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
