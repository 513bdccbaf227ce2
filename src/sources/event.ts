/**
 * A verified delivery read as an event: its type, the provider's delivery id, the key that makes a
 * redelivery find its first job, and the event's time. Only called once the signature has matched.
 *
 * - Shopify: type from `X-Shopify-Topic`, delivery id `X-Shopify-Webhook-Id` (Shopify resends a failed
 *   delivery with the same id), time `X-Shopify-Triggered-At`; headers also without the `X-` prefix.
 * - Stripe: the event's `id` (the same on every retry) and `type`, time `created`.
 * - WooCommerce: type `X-WC-Webhook-Topic`, delivery id `X-WC-Webhook-Delivery-ID`. WooCommerce makes
 *   that id from the webhook id and the current second, so two deliveries in one second can share it:
 *   the redelivery key adds the body's digest.
 * - Standard Webhooks: `webhook-id` (signed), type and time from the payload's `type` and `timestamp`.
 */
import type { HeaderReader } from "../security/sources";
import type { Provider } from "./declaration";

/** A verified event, ready for its mapping. */
export interface SourceEvent {
  /** The event type the source's `events` are keyed by. */
  type: string;
  /** The provider's id of this delivery or event, when it gives one (shown in answers and logs). */
  deliveryId: string | null;
  /** The idempotency key of the job this event makes: a redelivery finds the same job. */
  deliveryKey: string;
  /** When the event happened, ms since the epoch (its arrival when the provider does not say). */
  time: number;
  /** The parsed body. */
  payload: Record<string, unknown>;
}

/** Longest delivery id kept, in characters; a longer one is replaced by the body's digest. */
const MAX_DELIVERY_ID_CHARS = 200;

/** Reads the event from a verified body; `bodyDigest` is the hex SHA-256 of its bytes; `now` in ms. */
export function readSourceEvent(
  provider: Provider,
  header: HeaderReader,
  bodyText: string,
  bodyDigest: string,
  now: number,
): { ok: true; event: SourceEvent } | { ok: false; detail: string } {
  let payload: unknown;
  try {
    payload = JSON.parse(bodyText);
  } catch {
    return { ok: false, detail: "the body is not JSON" };
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return { ok: false, detail: "the body is not a JSON object" };
  }
  const body = payload as Record<string, unknown>;
  const prefixed = (name: string) => header(`x-${name}`) ?? header(name);
  switch (provider) {
    case "shopify": {
      const type = prefixed("shopify-topic");
      if (!type) return { ok: false, detail: "X-Shopify-Topic is missing" };
      const id = deliveryId(prefixed("shopify-webhook-id"));
      return ok(type, id, id ?? `body:${bodyDigest}`, isoTime(prefixed("shopify-triggered-at")) ?? now, body);
    }
    case "stripe": {
      if (typeof body.type !== "string" || body.type === "") return { ok: false, detail: "the event has no type" };
      const id = deliveryId(body.id);
      const created =
        typeof body.created === "number" && Number.isSafeInteger(body.created) ? body.created * 1000 : now;
      return ok(body.type, id, id ?? `body:${bodyDigest}`, created, body);
    }
    case "woocommerce": {
      const type = header("x-wc-webhook-topic");
      if (!type) return { ok: false, detail: "X-WC-Webhook-Topic is missing" };
      const id = deliveryId(header("x-wc-webhook-delivery-id"));
      return ok(type, id, `${id ?? "-"}:${bodyDigest}`, now, body);
    }
    case "standard": {
      const id = deliveryId(header("webhook-id"));
      const type = typeof body.type === "string" ? body.type : "";
      const time = isoTime(body.timestamp) ?? secondsTime(header("webhook-timestamp")) ?? now;
      return ok(type, id, id ?? `body:${bodyDigest}`, time, body);
    }
  }
}

function ok(
  type: string,
  deliveryId: string | null,
  deliveryKey: string,
  time: number,
  payload: Record<string, unknown>,
) {
  return { ok: true as const, event: { type, deliveryId, deliveryKey, time, payload } };
}

function deliveryId(value: unknown): string | null {
  return typeof value === "string" &&
    value !== "" &&
    value.length <= MAX_DELIVERY_ID_CHARS &&
    /^[\x21-\x7e]+$/.test(value)
    ? value
    : null;
}

function isoTime(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const time = Date.parse(value);
  return Number.isFinite(time) ? time : undefined;
}

function secondsTime(value: string | undefined): number | undefined {
  return value !== undefined && /^[0-9]{1,12}$/.test(value) ? Number(value) * 1000 : undefined;
}
