/**
 * Storefront webhook signatures, one scheme per provider, checked over the raw body before anything is
 * parsed. `checkSignatureHeaders` runs before the body is read (a request that cannot verify is refused
 * unread, and a stale Stripe or Standard Webhooks timestamp too); the returned MAC is fed the body as it
 * streams and asked `matches()` once it is complete. Never throws.
 */
import type { Provider } from "../../sources/declaration";
import { parseWebhookSecret } from "../webhook";
import { checkShopifyHeaders } from "./shopify";
import { checkStandardHeaders } from "./standard";
import { checkStripeHeaders } from "./stripe";
import type { SignatureCheck, SignatureInput } from "./types";
import { checkWooCommerceHeaders } from "./woocommerce";

export type { SourceMac } from "./mac";
export * from "./types";

const CHECKS: Record<Provider, (input: SignatureInput) => SignatureCheck> = {
  shopify: checkShopifyHeaders,
  stripe: checkStripeHeaders,
  woocommerce: checkWooCommerceHeaders,
  standard: checkStandardHeaders,
};

/** The provider's signature header names, for messages: what a request without a signature lacks. */
export const SIGNATURE_HEADERS: Record<Provider, string> = {
  shopify: "X-Shopify-Hmac-Sha256",
  stripe: "Stripe-Signature",
  woocommerce: "X-WC-Webhook-Signature",
  standard: "webhook-signature",
};

/** Checks a request's signature headers for `provider` and starts the MAC its body must match. */
export function checkSignatureHeaders(provider: Provider, input: SignatureInput): SignatureCheck {
  return CHECKS[provider](input);
}

/** Minimum secret length for the providers whose secrets are plain text, in characters. */
export const MIN_SECRET_CHARS = 16;

/**
 * The HMAC key a provider's secret stands for, or what is wrong with it (never the secret itself).
 * Shopify, Stripe and WooCommerce key the HMAC with the secret's text as it is (Stripe's `whsec_`
 * prefix included); Standard Webhooks with the base64 bytes after `whsec_`.
 */
export function signingKey(
  provider: Provider,
  secret: string,
): { ok: true; key: Uint8Array } | { ok: false; problem: string } {
  if (provider === "standard") {
    const key = parseWebhookSecret(secret);
    return key
      ? { ok: true, key }
      : { ok: false, problem: "must be whsec_ followed by standard base64 of at least 16 bytes" };
  }
  if (provider === "stripe" && !secret.startsWith("whsec_")) {
    return { ok: false, problem: "must be the endpoint's signing secret, which starts with whsec_ (not an API key)" };
  }
  if (secret.length < MIN_SECRET_CHARS)
    return { ok: false, problem: `must be at least ${MIN_SECRET_CHARS} characters` };
  return { ok: true, key: new TextEncoder().encode(secret) };
}
