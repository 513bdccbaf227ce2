/**
 * Storefront signature schemes, each checked against signatures made independently: Shopify's own test
 * helper, the `stripe` package (signing and verifying), node:crypto for WooCommerce and Standard Webhooks.
 */
import { createHmac } from "node:crypto";
import { getHmac } from "@shopify/shopify-api/test-helpers";
import fc from "fast-check";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import type { Provider } from "../../src/sources/declaration";
import { checkSignatureHeaders, type SignatureCheck, signingKey } from "../../src/security/sources";
import { startSourceMac } from "../../src/security/sources/mac";

const stripe = new Stripe("sk_test_unused");
const NOW = 1_795_661_141;
const SHOPIFY_SECRET = "shpss_0123456789abcdef0123456789abcdef";
const STRIPE_SECRET = "whsec_Yk3uR8vQ1nT6wZ0pL4sD9fH2jG5bM7cX";
const WOO_SECRET = "wc-test-secret-3f9a1c7e5b2d8a4c";
const STANDARD_SECRET = "whsec_c291cmNlLWhvb2tzLXRlc3Qtc2VjcmV0LTAx";
const BODY = '{"id":5721340690512,"note":"茶 🍵","total_price":"198.00"}';

const key = (provider: Provider, secret: string): Uint8Array => {
  const made = signingKey(provider, secret);
  if (!made.ok) throw new Error(made.problem);
  return made.key;
};

/** Runs a provider's whole check: headers, then the body fed in `chunks` pieces. */
function verify(
  provider: Provider,
  headers: Record<string, string>,
  body: string,
  secrets: string[],
  now = NOW,
  chunks = 1,
): SignatureCheck | { ok: true; matches: boolean } {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const check = checkSignatureHeaders(provider, {
    header: (name) => lower[name],
    keys: secrets.map((s) => key(provider, s)),
    nowSeconds: now,
  });
  if (!check.ok) return check;
  const bytes = new TextEncoder().encode(body);
  const size = Math.ceil(bytes.length / chunks);
  for (let i = 0; i < bytes.length; i += size) check.mac.update(bytes.subarray(i, i + size));
  return { ok: true, matches: check.mac.matches() };
}

const stripeHeader = (body: string, secret = STRIPE_SECRET, timestamp = NOW) =>
  stripe.webhooks.generateTestHeaderStringAsync({ payload: body, secret, timestamp });

describe("Shopify: X-Shopify-Hmac-Sha256, base64 HMAC-SHA256 of the body", () => {
  it("verifies Shopify's own helper's signature, whole or in chunks, under either header name", () => {
    const hmac = getHmac(BODY, SHOPIFY_SECRET);
    expect(verify("shopify", { "X-Shopify-Hmac-Sha256": hmac }, BODY, [SHOPIFY_SECRET])).toEqual({
      ok: true,
      matches: true,
    });
    expect(verify("shopify", { "shopify-hmac-sha256": hmac }, BODY, [SHOPIFY_SECRET], NOW, 7)).toEqual({
      ok: true,
      matches: true,
    });
  });

  it("refuses another secret, a changed byte, a missing or malformed header", () => {
    const hmac = getHmac(BODY, SHOPIFY_SECRET);
    expect(verify("shopify", { "X-Shopify-Hmac-Sha256": hmac }, BODY, ["shpss_another_secret_of_sixteen"])).toEqual({
      ok: true,
      matches: false,
    });
    expect(verify("shopify", { "X-Shopify-Hmac-Sha256": hmac }, BODY.replace("198", "199"), [SHOPIFY_SECRET])).toEqual({
      ok: true,
      matches: false,
    });
    expect(verify("shopify", {}, BODY, [SHOPIFY_SECRET])).toEqual({ ok: false, problem: "missing" });
    expect(verify("shopify", { "X-Shopify-Hmac-Sha256": hmac.slice(4) }, BODY, [SHOPIFY_SECRET])).toEqual({
      ok: false,
      problem: "malformed",
    });
    expect(verify("shopify", { "X-Shopify-Hmac-Sha256": "%%%" }, BODY, [SHOPIFY_SECRET])).toEqual({
      ok: false,
      problem: "malformed",
    });
  });

  it("while rotating, a signature under either configured secret verifies", () => {
    const next = "shpss_fedcba9876543210fedcba98765432";
    for (const signer of [SHOPIFY_SECRET, next]) {
      const headers = { "X-Shopify-Hmac-Sha256": getHmac(BODY, signer) };
      expect(verify("shopify", headers, BODY, [SHOPIFY_SECRET, next])).toEqual({ ok: true, matches: true });
    }
  });

  it("agrees with Shopify's helper on arbitrary bodies and secrets", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 16, maxLength: 64 }),
        fc.string({ maxLength: 2000 }),
        fc.boolean(),
        (secret, body, tamper) => {
          const signed = getHmac(body, secret);
          const sent = tamper ? `${body} ` : body;
          expect(verify("shopify", { "X-Shopify-Hmac-Sha256": signed }, sent, [secret])).toEqual({
            ok: true,
            matches: !tamper,
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("Stripe: Stripe-Signature, t= and v1= over `t.body`, 5 minutes", () => {
  it("verifies the stripe package's test header", async () => {
    expect(verify("stripe", { "Stripe-Signature": await stripeHeader(BODY) }, BODY, [STRIPE_SECRET], NOW, 3)).toEqual({
      ok: true,
      matches: true,
    });
  });

  it("takes any of several v1 signatures (Stripe rolling a secret) and ignores other schemes", async () => {
    const good = (await stripeHeader(BODY)).split(",v1=")[1]!;
    const other = (await stripeHeader(BODY, "whsec_an_expired_secret_00000000")).split(",v1=")[1]!;
    const header = `t=${NOW},v1=${other},v1=${good},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39`;
    expect(verify("stripe", { "Stripe-Signature": header }, BODY, [STRIPE_SECRET])).toEqual({
      ok: true,
      matches: true,
    });
    expect(verify("stripe", { "Stripe-Signature": `t=${NOW},v0=${good}` }, BODY, [STRIPE_SECRET])).toEqual({
      ok: false,
      problem: "malformed",
    });
  });

  it("a timestamp more than 300 s from now either way is stale; 300 s is not", async () => {
    for (const offset of [-301, 301]) {
      expect(
        verify("stripe", { "Stripe-Signature": await stripeHeader(BODY, STRIPE_SECRET, NOW + offset) }, BODY, [
          STRIPE_SECRET,
        ]),
      ).toEqual({ ok: false, problem: "stale" });
    }
    expect(
      verify("stripe", { "Stripe-Signature": await stripeHeader(BODY, STRIPE_SECRET, NOW - 300) }, BODY, [
        STRIPE_SECRET,
      ]),
    ).toEqual({ ok: true, matches: true });
  });

  it("the timestamp is signed: moving it breaks the signature", async () => {
    const header = (await stripeHeader(BODY)).replace(`t=${NOW}`, `t=${NOW - 1}`);
    expect(verify("stripe", { "Stripe-Signature": header }, BODY, [STRIPE_SECRET])).toEqual({
      ok: true,
      matches: false,
    });
  });

  it("agrees with the stripe package's own verifier", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 500 }),
        fc.integer({ min: -400, max: 400 }),
        fc.boolean(),
        async (body, age, tamper) => {
          const header = await stripeHeader(body, STRIPE_SECRET, NOW - age);
          const sent = tamper ? `${body}\n` : body;
          const theirs = await stripe.webhooks
            .signature!.verifyHeaderAsync(sent, header, STRIPE_SECRET, 300, undefined, NOW * 1000)
            .then(
              () => true,
              () => false,
            );
          const ours = verify("stripe", { "Stripe-Signature": header }, sent, [STRIPE_SECRET]);
          // Stripe's library accepts any future timestamp (and refuses an empty body, which no event is); the
          // relay holds both directions to 5 minutes.
          if (age >= -300) expect("matches" in ours && ours.matches).toBe(theirs);
          else expect(ours).toEqual({ ok: false, problem: "stale" });
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("WooCommerce and Standard Webhooks", () => {
  it("WooCommerce: base64 HMAC-SHA256 of the body (node:crypto), wrong secret refused", () => {
    const signature = createHmac("sha256", WOO_SECRET).update(BODY, "utf8").digest("base64");
    expect(verify("woocommerce", { "X-WC-Webhook-Signature": signature }, BODY, [WOO_SECRET], NOW, 4)).toEqual({
      ok: true,
      matches: true,
    });
    expect(verify("woocommerce", { "X-WC-Webhook-Signature": signature }, BODY, ["wc-someone-elses-secret"])).toEqual({
      ok: true,
      matches: false,
    });
    expect(verify("woocommerce", { "X-Shopify-Hmac-Sha256": signature }, BODY, [WOO_SECRET])).toEqual({
      ok: false,
      problem: "missing",
    });
  });

  it("Standard Webhooks: v1 over id.timestamp.body with the whsec_ bytes (node:crypto), 5 minutes", () => {
    const sign = (timestamp: number) =>
      `v1,${createHmac("sha256", Buffer.from(STANDARD_SECRET.slice(6), "base64"))
        .update(`msg_1.${timestamp}.${BODY}`)
        .digest("base64")}`;
    const headers = (timestamp: number) => ({
      "webhook-id": "msg_1",
      "webhook-timestamp": String(timestamp),
      "webhook-signature": sign(timestamp),
    });
    expect(verify("standard", headers(NOW), BODY, [STANDARD_SECRET])).toEqual({ ok: true, matches: true });
    expect(verify("standard", { ...headers(NOW), "webhook-id": "msg_2" }, BODY, [STANDARD_SECRET])).toEqual({
      ok: true,
      matches: false,
    });
    expect(verify("standard", headers(NOW - 301), BODY, [STANDARD_SECRET])).toEqual({ ok: false, problem: "stale" });
    expect(verify("standard", { "webhook-id": "msg_1" }, BODY, [STANDARD_SECRET])).toEqual({
      ok: false,
      problem: "missing",
    });
  });
});

describe("secrets and the MAC", () => {
  it("signingKey: each provider's secret format, never quoted back", () => {
    expect(signingKey("stripe", "sk_live_0123456789abcdefghij")).toEqual({
      ok: false,
      problem: "must be the endpoint's signing secret, which starts with whsec_ (not an API key)",
    });
    expect(signingKey("shopify", "short")).toEqual({ ok: false, problem: "must be at least 16 characters" });
    expect(signingKey("standard", "whsec_c2hvcnQ=")).toEqual({
      ok: false,
      problem: "must be whsec_ followed by standard base64 of at least 16 bytes",
    });
    expect(signingKey("standard", STANDARD_SECRET)).toEqual({
      ok: true,
      key: new Uint8Array(Buffer.from(STANDARD_SECRET.slice(6), "base64")),
    });
    expect(signingKey("stripe", STRIPE_SECRET)).toEqual({ ok: true, key: new TextEncoder().encode(STRIPE_SECRET) });
  });

  it("startSourceMac: every key against every presented signature; the verdict is stable once asked", () => {
    const keys = ["key-one-0123456789", "key-two-0123456789"].map((k) => new TextEncoder().encode(k));
    const signature = new Uint8Array(createHmac("sha256", "key-two-0123456789").update("p.body").digest());
    const decoy = new Uint8Array(32);
    const mac = startSourceMac(keys, "p.", [decoy, signature]);
    mac.update(new TextEncoder().encode("bo"));
    mac.update(new TextEncoder().encode("dy"));
    expect(mac.matches()).toBe(true);
    expect(mac.matches()).toBe(true);
    const none = startSourceMac(keys, "p.", [decoy]);
    none.update(new TextEncoder().encode("body"));
    expect(none.matches()).toBe(false);
  });
});
