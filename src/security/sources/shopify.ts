/**
 * Shopify: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body, keyed by the app's
 * client secret (or the store's webhook signing secret). Event deliveries name their headers without
 * the `X-` prefix (`shopify-hmac-sha256`); both are accepted.
 */
import type { SignatureCheck, SignatureInput } from "./types";
import { fromBase64, startSourceMac } from "./mac";

const SHA256_BYTES = 32;

/** Checks Shopify's signature header; the MAC covers the body alone. */
export function checkShopifyHeaders({ header, keys }: SignatureInput): SignatureCheck {
  const value = header("x-shopify-hmac-sha256") ?? header("shopify-hmac-sha256");
  if (value === undefined || value.trim() === "") return { ok: false, problem: "missing" };
  const signature = fromBase64(value.trim());
  if (signature?.length !== SHA256_BYTES) return { ok: false, problem: "malformed" };
  return { ok: true, mac: startSourceMac(keys, "", [signature]) };
}
