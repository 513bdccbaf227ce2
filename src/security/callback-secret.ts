/**
 * Completion callbacks are signed per caller: each caller's secret is derived from RELAY_CALLBACK_SECRET
 * and its owner id, so a receiver can verify its own caller's callbacks and cannot forge another's.
 *
 *   caller secret = HMAC-SHA256(key = RELAY_CALLBACK_SECRET's bytes, message = "callback/" + owner)
 *
 * presented as `whsec_` + base64 (a Standard Webhooks secret). With several RELAY_CALLBACK_SECRET
 * entries (a rotation in progress) every callback carries one `v1,` signature per entry, so a receiver
 * holding the caller secret derived from any one entry verifies it.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { LEGACY_WEBHOOK_OWNER_PREFIX, WEBHOOK_OWNER } from "./owner";
import { formatWebhookSecret, signWebhook } from "./webhook";

const CONTEXT = "callback/";

/**
 * The owner a job's callbacks are signed for: the job's owner, except that the webhook signer's jobs
 * stored under an owner id of earlier versions (`webhook:<hex>`) count as the webhook signer's.
 */
export function callbackOwner(owner: string): string {
  return owner.startsWith(LEGACY_WEBHOOK_OWNER_PREFIX) ? WEBHOOK_OWNER : owner;
}

/** The key bytes that sign `owner`'s callbacks under one RELAY_CALLBACK_SECRET entry. */
export function callerCallbackKey(root: Uint8Array, owner: string): Uint8Array {
  return hmac(sha256, root, new TextEncoder().encode(CONTEXT + callbackOwner(owner)));
}

/** `owner`'s callback secrets, one per RELAY_CALLBACK_SECRET entry, in the configured order, as `whsec_` text. */
export function callerCallbackSecrets(roots: readonly Uint8Array[], owner: string): string[] {
  return roots.map((root) => formatWebhookSecret(callerCallbackKey(root, owner)));
}

/** The `webhook-signature` header of one callback try: one `v1,` entry per RELAY_CALLBACK_SECRET entry. */
export function signCallback(input: {
  id: string;
  timestamp: number;
  body: string;
  roots: readonly Uint8Array[];
  owner: string;
}): string {
  const keys = input.roots.map((root) => callerCallbackKey(root, input.owner));
  return signWebhook({ id: input.id, timestamp: input.timestamp, body: input.body, secret: keys });
}
