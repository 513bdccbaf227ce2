/**
 * Storefront webhooks signed as their providers sign them: Shopify's with the HMAC helper Shopify
 * publishes for its own tests (@shopify/shopify-api/test-helpers), Stripe's with the `stripe` package's
 * test-header generator, WooCommerce's and Standard Webhooks' with node:crypto (WooCommerce publishes no
 * Node library; node:crypto is independent of the relay's @noble/hashes either way).
 */
import { createHmac, randomUUID } from "node:crypto";
import { getHmac } from "@shopify/shopify-api/test-helpers";
import Stripe from "stripe";

const stripe = new Stripe("sk_test_unused");

/** The sample payloads of examples/sources/, shaped like the providers' own samples. */
export { default as shopifyOrderPaid } from "../../examples/sources/shopify-orders-paid.json";
export { default as stripeCheckoutCompleted } from "../../examples/sources/stripe-checkout-session-completed.json";

/** Headers of a Shopify webhook delivery of `body` (X-Shopify-Hmac-Sha256 made by Shopify's helper). */
export function shopifyHeaders(
  body: string,
  secret: string,
  options: { topic?: string; webhookId?: string; triggeredAt?: string; unprefixed?: boolean } = {},
): Record<string, string> {
  const prefix = options.unprefixed ? "" : "x-";
  return {
    "content-type": "application/json",
    [`${prefix}shopify-hmac-sha256`]: getHmac(body, secret),
    [`${prefix}shopify-topic`]: options.topic ?? "orders/paid",
    [`${prefix}shopify-webhook-id`]: options.webhookId ?? randomUUID(),
    [`${prefix}shopify-shop-domain`]: "tea-house.myshopify.com",
    [`${prefix}shopify-api-version`]: "2026-10",
    [`${prefix}shopify-triggered-at`]: options.triggeredAt ?? new Date().toISOString(),
  };
}

/** Headers of a Stripe event delivery of `body` (Stripe-Signature made by the stripe package). */
export async function stripeHeaders(
  body: string,
  secret: string,
  options: { timestamp?: number } = {},
): Promise<Record<string, string>> {
  const signature = await stripe.webhooks.generateTestHeaderStringAsync({
    payload: body,
    secret,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
  });
  return { "content-type": "application/json; charset=utf-8", "stripe-signature": signature };
}

/** Headers of a WooCommerce delivery of `body`: base64 HMAC-SHA256 of the body, as WC_Webhook signs it. */
export function wooCommerceHeaders(
  body: string,
  secret: string,
  options: { topic?: string; deliveryId?: string } = {},
): Record<string, string> {
  const signature = createHmac("sha256", secret).update(body, "utf8").digest("base64");
  return {
    "content-type": "application/json",
    "x-wc-webhook-source": "https://tea-house.example.hk/",
    "x-wc-webhook-topic": options.topic ?? "order.updated",
    "x-wc-webhook-resource": "order",
    "x-wc-webhook-event": "updated",
    "x-wc-webhook-signature": signature,
    "x-wc-webhook-id": "7",
    "x-wc-webhook-delivery-id": options.deliveryId ?? createHmac("md5", "d").update(randomUUID()).digest("hex"),
  };
}

/** Standard Webhooks headers for `body`: `v1,` base64 HMAC-SHA256 of `id.timestamp.body` under the whsec_ bytes. */
export function standardHeaders(
  body: string,
  secret: string,
  options: { id?: string; timestamp?: number } = {},
): Record<string, string> {
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`, "utf8").digest("base64");
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${signature}`,
  };
}
