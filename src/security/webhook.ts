/**
 * Standard Webhooks (https://www.standardwebhooks.com/) signatures: HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${body}`, keyed by the base64 bytes of a `whsec_` secret.
 *
 * This file imports nothing relative, so Node scripts (the example sender) can import it as-is:
 * Node's ESM loader needs file extensions that the Worker tsconfig does not allow.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

/** How far `webhook-timestamp` may be from now, either way, in seconds (the spec's suggested 5 minutes). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Longest `webhook-id` accepted, in characters; the caller stores seen ids, so keep them bounded. */
export const WEBHOOK_ID_MAX_LENGTH = 256;

/** The three Standard Webhooks headers, the raw body, the decoded secret and the current time. */
export interface WebhookInput {
  id: string | null | undefined;
  timestamp: string | null | undefined;
  signatureHeader: string | null | undefined;
  /** The raw request body: its exact bytes, or the text exactly as received. */
  body: string | Uint8Array;
  /** The decoded secret (the bytes after `whsec_`, see `parseWebhookSecret`), or several: any may match. */
  secret: Uint8Array | readonly Uint8Array[];
  /** Current time, in seconds since the Unix epoch. */
  now: number;
}

/** Outcome of verifying a Standard Webhooks request. Replay refusal is left to the caller. */
export type WebhookVerification = { ok: true; webhookId: string } | WebhookProblem;

const SECRET_PREFIX = "whsec_";
const MIN_SECRET_BYTES = 16;

/** The three headers and the current time: everything the cheap check needs, before any body is read. */
export type WebhookHeaderInput = Omit<WebhookInput, "body" | "secret">;

/** Headers that passed the cheap check: the `v1` signatures to compare once the body has been hashed. */
export interface CheckedWebhookHeaders {
  ok: true;
  id: string;
  timestamp: string;
  /** The decoded `v1` signatures (other versions, such as asymmetric `v1a`, are not ours to check). */
  signatures: Uint8Array[];
}

/** Why a request was refused; replay refusal is left to the caller. */
export type WebhookProblem = { ok: false; problem: "missing-headers" | "stale" | "bad-signature" | "malformed" };

/**
 * Checks the headers and the timestamp window without the body, so a request that can never verify
 * is refused before a byte of its body is read. Never throws.
 */
export function checkWebhookHeaders(input: WebhookHeaderInput): CheckedWebhookHeaders | WebhookProblem {
  const { id, timestamp, signatureHeader } = input;
  if (!id || !timestamp || !signatureHeader) return { ok: false, problem: "missing-headers" };
  if (id.length > WEBHOOK_ID_MAX_LENGTH || !/^[0-9]{1,15}$/.test(timestamp)) {
    return { ok: false, problem: "malformed" };
  }
  // The header is a space-delimited list of `<version>,<signature>`; anything else is not this scheme.
  const entries = signatureHeader.split(" ").filter((entry) => entry !== "");
  const parsed = entries.map((entry) => {
    const comma = entry.indexOf(",");
    return comma > 0 && comma < entry.length - 1
      ? { version: entry.slice(0, comma), signature: entry.slice(comma + 1) }
      : undefined;
  });
  if (parsed.length === 0 || parsed.some((entry) => entry === undefined)) {
    return { ok: false, problem: "malformed" };
  }
  if (Math.abs(input.now - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) {
    return { ok: false, problem: "stale" };
  }
  const signatures = parsed.flatMap((entry) => {
    const bytes = entry?.version === "v1" ? base64ToBytes(entry.signature) : undefined;
    return bytes === undefined ? [] : [bytes];
  });
  // No v1 signature that decodes: no body can match, so there is no reason to read one.
  return signatures.length === 0 ? { ok: false, problem: "bad-signature" } : { ok: true, id, timestamp, signatures };
}

/** An HMAC-SHA256 over `${id}.${timestamp}.${body}` fed the body chunk by chunk as it streams. */
export interface WebhookMac {
  /** Hashes the next chunk of the body, exactly as received. */
  update(chunk: Uint8Array): WebhookMac;
  /** After the last chunk: true when any `v1` signature of the headers matches (constant time per candidate). */
  matches(): boolean;
}

/**
 * Starts the MAC for headers that passed `checkWebhookHeaders`; feed it the body, then ask `matches()` once.
 * With several secrets (a rotation in progress) one MAC per secret is fed, and any of them may match.
 */
export function startWebhookMac(
  secret: Uint8Array | readonly Uint8Array[],
  headers: CheckedWebhookHeaders,
): WebhookMac {
  const prefix = new TextEncoder().encode(`${headers.id}.${headers.timestamp}.`);
  const states = secretList(secret).map((key) => hmac.create(sha256, key).update(prefix));
  const mac: WebhookMac = {
    update(chunk) {
      for (const state of states) state.update(chunk);
      return mac;
    },
    matches() {
      let matched = false;
      // Every secret against every entry, no early exit: the time does not reveal which secret or entry matched.
      for (const state of states) {
        const expected = state.digest();
        for (const candidate of headers.signatures) if (equalBytes(candidate, expected)) matched = true;
      }
      return matched;
    },
  };
  return mac;
}

/** Checks a Standard Webhooks request whose whole body is at hand: headers, timestamp window, any `v1` signature matching. */
export function verifyWebhook(input: WebhookInput): WebhookVerification {
  const headers = checkWebhookHeaders(input);
  if (!headers.ok) return headers;
  // Bytes are signed as received: decoding them to text first could replace invalid UTF-8 and break the MAC.
  const body = typeof input.body === "string" ? new TextEncoder().encode(input.body) : input.body;
  return startWebhookMac(input.secret, headers).update(body).matches()
    ? { ok: true, webhookId: headers.id }
    : { ok: false, problem: "bad-signature" };
}

/**
 * Signs a body as a Standard Webhooks sender would; returns the `webhook-signature` header value: one
 * `v1,<base64>` entry per secret, space-separated (the specification allows several, so a receiver that
 * holds any one of the secrets verifies the message while secrets rotate).
 */
export function signWebhook(input: {
  id: string;
  timestamp: number | string;
  body: string | Uint8Array;
  secret: Uint8Array | readonly Uint8Array[];
}): string {
  return secretList(input.secret)
    .map((key) => `v1,${bytesToBase64(mac(input.id, String(input.timestamp), input.body, key))}`)
    .join(" ");
}

/** Decodes a `whsec_<base64>` secret into key bytes; undefined when malformed or shorter than 16 bytes. */
export function parseWebhookSecret(text: string): Uint8Array | undefined {
  if (!text.startsWith(SECRET_PREFIX)) return undefined;
  const bytes = base64ToBytes(text.slice(SECRET_PREFIX.length));
  return bytes !== undefined && bytes.length >= MIN_SECRET_BYTES ? bytes : undefined;
}

/**
 * Decodes a comma-separated list of `whsec_` secrets (several while one is being rotated in). The
 * problem names a secret by its position, never by its value.
 */
export function parseWebhookSecrets(text: string): { ok: true; value: Uint8Array[] } | { ok: false; problem: string } {
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 0) return { ok: false, problem: "is set but holds no secrets (only commas and spaces)" };
  const secrets: Uint8Array[] = [];
  for (const [index, entry] of entries.entries()) {
    const secret = parseWebhookSecret(entry);
    if (secret === undefined) {
      const which = entries.length === 1 ? "" : `secret ${index + 1} of ${entries.length} `;
      return {
        ok: false,
        problem: `${which}must be whsec_ followed by standard base64 of at least ${MIN_SECRET_BYTES} bytes`,
      };
    }
    secrets.push(secret);
  }
  return { ok: true, value: secrets };
}

/** Encodes key bytes as a `whsec_<base64>` secret (for generating a secret to configure). */
export function formatWebhookSecret(bytes: Uint8Array): string {
  return SECRET_PREFIX + bytesToBase64(bytes);
}

function mac(id: string, timestamp: string, body: string | Uint8Array, secret: Uint8Array): Uint8Array {
  const encoder = new TextEncoder();
  const state = hmac.create(sha256, secret).update(encoder.encode(`${id}.${timestamp}.`));
  // Bytes are signed as received: decoding them to text first could replace invalid UTF-8 and break the MAC.
  return state.update(typeof body === "string" ? encoder.encode(body) : body).digest();
}

function secretList(secret: Uint8Array | readonly Uint8Array[]): readonly Uint8Array[] {
  return secret instanceof Uint8Array ? [secret] : secret;
}

// Same as ./constant-time.ts, repeated here to keep this file free of relative imports (see top).
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function base64ToBytes(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return undefined; // bad length or padding
  }
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
