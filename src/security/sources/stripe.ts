/**
 * Stripe: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]` (other schemes such as `v0` are
 * ignored); each `v1` is the hex HMAC-SHA256 of `<t>.<raw body>` keyed by the endpoint's `whsec_…`
 * secret as text. Several `v1` appear while Stripe rolls a secret. `t` must be within 5 minutes of now.
 */
import { SIGNATURE_TOLERANCE_SECONDS, type SignatureCheck, type SignatureInput } from "./types";
import { fromHex, startSourceMac } from "./mac";

const SHA256_BYTES = 32;

/** Checks Stripe's signature header and its timestamp; the MAC covers `t.` and the body. */
export function checkStripeHeaders({ header, keys, nowSeconds }: SignatureInput): SignatureCheck {
  const value = header("stripe-signature");
  if (value === undefined || value.trim() === "") return { ok: false, problem: "missing" };
  let timestamp: string | undefined;
  const signatures: Uint8Array[] = [];
  for (const item of value.split(",")) {
    const equals = item.indexOf("=");
    const name = item.slice(0, equals).trim();
    const content = item.slice(equals + 1).trim();
    if (equals < 0) continue;
    if (name === "t") timestamp = content;
    if (name === "v1") {
      const signature = fromHex(content);
      if (signature?.length === SHA256_BYTES) signatures.push(signature);
    }
  }
  if (timestamp === undefined || !/^[0-9]{1,12}$/.test(timestamp) || signatures.length === 0) {
    return { ok: false, problem: "malformed" };
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) return { ok: false, problem: "stale" };
  return { ok: true, mac: startSourceMac(keys, `${timestamp}.`, signatures) };
}
