/** The checks of a Standard Webhooks request that need no body: headers present and well-formed, timestamp fresh. */
import { WEBHOOK_ID_MAX_LENGTH, WEBHOOK_TOLERANCE_SECONDS } from "./webhook";

/** The headers, or why they cannot carry a valid signature whatever the body. */
export type WebhookHeaders =
  | { ok: true; id: string; timestamp: string; signature: string }
  | { ok: false; problem: "missing-headers" | "malformed" | "stale" };

/** Checks `webhook-id`, `webhook-timestamp` (within 5 minutes of `now`, in seconds) and the signature list's shape. */
export function checkWebhookHeaders(
  id: string | undefined,
  timestamp: string | undefined,
  signature: string | undefined,
  now: number,
): WebhookHeaders {
  if (!id || !timestamp || !signature) return { ok: false, problem: "missing-headers" };
  if (id.length > WEBHOOK_ID_MAX_LENGTH || !/^[0-9]{1,15}$/.test(timestamp)) return { ok: false, problem: "malformed" };
  // A space-separated list of `<version>,<base64>`; anything else is not this scheme.
  const entries = signature.split(" ").filter((entry) => entry !== "");
  if (entries.length === 0 || entries.some((entry) => !/^[^,]+,.+$/.test(entry)))
    return { ok: false, problem: "malformed" };
  if (Math.abs(now - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) return { ok: false, problem: "stale" };
  return { ok: true, id, timestamp, signature };
}
