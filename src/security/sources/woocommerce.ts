/**
 * WooCommerce: `X-WC-Webhook-Signature` is the base64 HMAC-SHA256 of the raw body, keyed by the
 * webhook's secret (WC_Webhook::generate_signature; sha256 unless a plugin filters the algorithm).
 */
import type { SignatureCheck, SignatureInput } from "./types";
import { fromBase64, startSourceMac } from "./mac";

const SHA256_BYTES = 32;

/** Checks WooCommerce's signature header; the MAC covers the body alone. */
export function checkWooCommerceHeaders({ header, keys }: SignatureInput): SignatureCheck {
  const value = header("x-wc-webhook-signature");
  if (value === undefined || value.trim() === "") return { ok: false, problem: "missing" };
  const signature = fromBase64(value.trim());
  if (signature?.length !== SHA256_BYTES) return { ok: false, problem: "malformed" };
  return { ok: true, mac: startSourceMac(keys, "", [signature]) };
}
