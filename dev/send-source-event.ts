/**
 * Sends an example storefront event to a local relay, signed as its provider signs it, with the dev
 * secrets `npm start` generated (.dev/): `node dev/send-source-event.ts shopify|stripe [relay URL]`.
 * The payloads are examples/sources/*.json; the relay's example sources (examples/sources.json) map them.
 */
import { createHmac, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDevSecrets } from "./keys.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The example sources, and the payload each sends. */
export const SAMPLES = {
  shopify: "examples/sources/shopify-orders-paid.json",
  stripe: "examples/sources/stripe-checkout-session-completed.json",
} as const;

/** A signed delivery: the body exactly as signed, and its headers. */
export interface SignedEvent {
  body: string;
  headers: Record<string, string>;
}

/** Signs the Shopify sample (X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the body). */
export function signShopify(body: string, secret: string, topic = "orders/paid"): SignedEvent {
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": topic,
      "x-shopify-hmac-sha256": createHmac("sha256", secret).update(body).digest("base64"),
      "x-shopify-webhook-id": randomUUID(),
      "x-shopify-triggered-at": new Date().toISOString(),
      "x-shopify-shop-domain": "tea-house.myshopify.com",
    },
  };
}

/** Signs a Stripe event (Stripe-Signature: t=<now>,v1=<hex HMAC-SHA256 of "t.body">). */
export function signStripe(body: string, secret: string, now = Date.now()): SignedEvent {
  const t = Math.floor(now / 1000);
  const v1 = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  return {
    body,
    headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": `t=${t},v1=${v1}` },
  };
}

/** The sample of `source`, made fresh (a new event id and time for Stripe, so it is not a redelivery). */
async function sample(source: keyof typeof SAMPLES): Promise<SignedEvent> {
  const secrets = await ensureDevSecrets(join(ROOT, ".dev"));
  const payload = JSON.parse(await readFile(join(ROOT, SAMPLES[source]), "utf8")) as Record<string, unknown>;
  if (source === "shopify") return signShopify(JSON.stringify(payload), secrets.shopifyWebhookSecret);
  const event = {
    ...payload,
    id: `evt_local_${randomUUID().replaceAll("-", "")}`,
    created: Math.floor(Date.now() / 1000),
  };
  return signStripe(JSON.stringify(event), secrets.stripeWebhookSecret);
}

const [source, relayUrl = "http://127.0.0.1:8787"] = process.argv.slice(2);
if (source !== "shopify" && source !== "stripe") {
  console.error("usage: node dev/send-source-event.ts shopify|stripe [relay URL]");
  process.exit(2);
}
const { body, headers } = await sample(source);
const res = await fetch(`${relayUrl}/v1/sources/${source}`, { method: "POST", headers, body });
console.log(`${res.status} ${await res.text()}`);
