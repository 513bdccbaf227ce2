/** Who owns a job, derived from the caller's credential without storing it; and unguessable job ids. */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

/** The credential a request was authenticated with. */
export type Credential = { kind: "api-key"; token: string } | { kind: "named-key"; name: string } | { kind: "webhook" };

// Domain separation: an owner id is never equal to a plain SHA-256 of the token that some other system
// may have stored.
const KEY_DOMAIN = new TextEncoder().encode("alipay-notify-relay/owner/api-key\0");

/** The owner of every job a Standard Webhooks signature submits, whichever RELAY_WEBHOOK_SECRET signed it. */
export const WEBHOOK_OWNER = "caller:webhook";

/** The shape of every owner id: `key:<hex>`, `caller:<name>`, or an earlier version's `webhook:<hex>`. */
export const OWNER_PATTERN = /^(key:[0-9a-f]{64}|caller:[a-z0-9][a-z0-9_-]{0,63}|webhook:[0-9a-f]{64})$/;

/**
 * Owner ids that earlier versions derived from the webhook secret (`webhook:<hex>`); jobs stored then keep
 * them. Such a job belongs to the webhook signer all the same (see `callbackOwner`).
 */
export const LEGACY_WEBHOOK_OWNER_PREFIX = "webhook:";

/**
 * Stable owner id for job isolation: `caller:<name>` for a named key (`name:key` in RELAY_API_KEYS), so an
 * old and a new key with the same name are one caller and rotating keeps its jobs; `caller:webhook` for
 * the Standard Webhooks signer, whatever secret signed (rotating RELAY_WEBHOOK_SECRET keeps its owner);
 * otherwise a non-reversible `key:<hex>` that follows the bare key, not its position in the
 * configuration (rotating a bare key makes its old jobs invisible to the new one).
 */
export function ownerOf(credential: Credential): string {
  if (credential.kind === "webhook") return WEBHOOK_OWNER;
  if (credential.kind === "named-key") return `caller:${credential.name}`;
  return `key:${bytesToHex(hashWith(KEY_DOMAIN, new TextEncoder().encode(credential.token)))}`;
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
