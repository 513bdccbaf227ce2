/** Who owns a job, derived from the caller's credential without storing it; and unguessable job ids. */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

/** The credential a request was authenticated with. */
export type Credential =
  | { kind: "api-key"; token: string }
  | { kind: "named-key"; name: string }
  | { kind: "webhook"; secret: Uint8Array };

// Domain separation: an owner id is never equal to a plain SHA-256 of the token that some other system
// may have stored, and the two credential kinds can never collide.
const KEY_DOMAIN = new TextEncoder().encode("alipay-notify-relay/owner/api-key\0");
const WEBHOOK_DOMAIN = new TextEncoder().encode("alipay-notify-relay/owner/webhook\0");

/**
 * Stable owner id for job isolation: `caller:<name>` for a named key (`name:key` in RELAY_API_KEYS), so
 * an old and a new key with the same name are one caller and rotating keeps its jobs; otherwise a
 * non-reversible `key:<hex>` or `webhook:<hex>` that follows the credential, not its position in the
 * configuration (rotating a bare key or the webhook secret makes the old one's jobs invisible to the new).
 */
export function ownerOf(credential: Credential): string {
  if (credential.kind === "named-key") return `caller:${credential.name}`;
  if (credential.kind === "api-key") {
    return `key:${bytesToHex(hashWith(KEY_DOMAIN, new TextEncoder().encode(credential.token)))}`;
  }
  return `webhook:${bytesToHex(hashWith(WEBHOOK_DOMAIN, credential.secret))}`;
}

const JOB_ID_BYTES = 16; // 128 bits from the CSPRNG: ids cannot be guessed or enumerated
/** The shape of every job id: `job_` + 22 base64url characters. */
export const JOB_ID_PATTERN = /^job_[A-Za-z0-9_-]{22}$/;

/** A fresh unguessable job id: `job_` + 128 random bits, base64url without padding (22 characters). */
export function newJobId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(JOB_ID_BYTES));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const base64url = btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  return `job_${base64url}`;
}

/** True when `text` has the shape `newJobId` produces (lets routes refuse junk before touching storage). */
export function isJobId(text: string): boolean {
  return JOB_ID_PATTERN.test(text);
}

function hashWith(domain: Uint8Array, data: Uint8Array): Uint8Array {
  return sha256.create().update(domain).update(data).digest();
}
