/**
 * Standard Webhooks, as the relay checks its own submits (src/security/webhook.ts): `webhook-id`,
 * `webhook-timestamp` (within 5 minutes) and `webhook-signature` (`v1,<base64>` entries) over
 * `<id>.<timestamp>.<raw body>`, keyed by the bytes of a `whsec_` secret.
 */
import { checkWebhookHeaders } from "../webhook";
import type { SignatureCheck, SignatureInput } from "./types";
import { startSourceMac } from "./mac";

const PROBLEMS = {
  "missing-headers": "missing",
  malformed: "malformed",
  stale: "stale",
  "bad-signature": "malformed",
} as const;

/** Checks the three Standard Webhooks headers; the MAC covers `id.timestamp.` and the body. */
export function checkStandardHeaders({ header, keys, nowSeconds }: SignatureInput): SignatureCheck {
  const checked = checkWebhookHeaders({
    id: header("webhook-id"),
    timestamp: header("webhook-timestamp"),
    signatureHeader: header("webhook-signature"),
    now: nowSeconds,
  });
  if (!checked.ok) return { ok: false, problem: PROBLEMS[checked.problem] };
  return { ok: true, mac: startSourceMac(keys, `${checked.id}.${checked.timestamp}.`, checked.signatures) };
}
