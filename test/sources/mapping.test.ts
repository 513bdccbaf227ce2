/**
 * mapSourceEvent, the pure step from a verified event to one notification: the example declaration on
 * payloads shaped like Shopify's and Stripe's own samples, and each way a mapping can decline an event.
 */
import { describe, expect, it } from "vitest";
import example from "../../examples/sources.json";
import shopifyOrder from "../../examples/sources/shopify-orders-paid.json";
import stripeEvent from "../../examples/sources/stripe-checkout-session-completed.json";
import type { SourceDeclaration, Sources } from "../../src/sources/declaration";
import type { SourceEvent } from "../../src/sources/event";
import { mapSourceEvent } from "../../src/sources/mapping";
import { parseSourcesJson } from "../../src/sources/parse";

function declare(declaration: unknown): Sources {
  const parsed = parseSourcesJson(JSON.stringify(declaration));
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  return parsed.value;
}

const { shopify, stripe } = declare(example) as { shopify: SourceDeclaration; stripe: SourceDeclaration };
const NOW = Date.parse("2026-11-26T04:10:00Z");

const event = (type: string, payload: object, time = NOW - 60_000): SourceEvent => ({
  type,
  deliveryId: "d-1",
  deliveryKey: "d-1",
  time,
  payload: payload as Record<string, unknown>,
});

describe("the example's mappings", () => {
  it("Shopify orders/paid → openId from note_attributes, amount with currency, a link; expires 24 h after the event", () => {
    const result = mapSourceEvent(shopify, event("orders/paid", shopifyOrder), NOW);
    expect(result).toEqual({
      ok: true,
      mapped: {
        openId: "20881234567890123456789012345678",
        templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
        templateValue: {
          merchantName: "Tea House",
          amount: "HK$198.00",
          redirectUrl: "https://tea-house.example.hk/account/orders/5721340690512",
        },
        dedupKey: undefined,
        expiresAt: NOW - 60_000 + 24 * 3600_000,
      },
    });
  });

  it("Stripe checkout.session.completed → openId from metadata, cents as dollars, the default dedupKey passed through", () => {
    const result = mapSourceEvent(stripe, event("checkout.session.completed", stripeEvent), NOW, "body:abc");
    expect(result.ok && result.mapped).toMatchObject({
      openId: "20881234567890123456789012345678",
      templateValue: {
        merchantName: "Tea House",
        amount: "HK$198.00",
        redirectUrl: "https://tea-house.example.hk/orders/order-1042",
      },
      dedupKey: "body:abc",
    });
  });
});

describe("what a mapping declines, and why", () => {
  const paid = (object: object) =>
    event("checkout.session.completed", {
      ...stripeEvent,
      data: { object: { ...stripeEvent.data.object, ...object } },
    });

  it.each([
    [
      "an unmapped type",
      mapSourceEvent(shopify, event("orders/create", shopifyOrder), NOW),
      "unhandled-event",
      'this source maps orders/paid, not "orders/create"',
    ],
    [
      "an unmet when",
      mapSourceEvent(stripe, paid({ payment_status: "unpaid" }), NOW),
      "filtered",
      'data.object.payment_status is not "paid"',
    ],
    [
      "no openId",
      mapSourceEvent(stripe, paid({ metadata: {} }), NOW),
      "no-open-id",
      "no text at data.object.metadata.alipayhk_open_id",
    ],
    [
      "an empty openId",
      mapSourceEvent(stripe, paid({ metadata: { alipayhk_open_id: "  " } }), NOW),
      "no-open-id",
      "no text at data.object.metadata.alipayhk_open_id",
    ],
    [
      "an amount that is not one",
      mapSourceEvent(stripe, paid({ amount_total: "lots" }), NOW),
      "missing-field",
      "templateValue.amount: data.object.amount_total is not a decimal amount",
    ],
    [
      "no currency",
      mapSourceEvent(stripe, paid({ currency: null }), NOW),
      "missing-field",
      "templateValue.amount: data.object.currency is not a three-letter currency code",
    ],
    [
      "no field for the link",
      mapSourceEvent(stripe, paid({ client_reference_id: null }), NOW),
      "missing-field",
      "templateValue.redirectUrl: no text at data.object.client_reference_id",
    ],
    [
      "an event older than expiresAfter",
      mapSourceEvent(shopify, event("orders/paid", shopifyOrder, NOW - 25 * 3600_000), NOW),
      "expired",
      "the event is from 2026-11-25T03:10:00.000Z; notifications expire after 86400 s",
    ],
  ])("%s", (_, result, reason, detail) => {
    expect(result).toEqual({ ok: false, reason, detail });
  });
});

describe("value kinds", () => {
  const source = declare({
    s: {
      provider: "woocommerce",
      secrets: ["WOO_WEBHOOK_SECRET"],
      dedupKey: { text: "order-{{id}}" },
      events: {
        "*": {
          openId: ["billing.alipay", "meta_data[key=alipayhk_open_id].value"],
          templateCode: "T",
          templateValue: {
            shop: { field: "store.name", default: "Tea House" },
            number: { field: ["number", "id"] },
            line: { text: "{{line_items[0].name}} ×{{line_items[0].quantity}}" },
            link: { url: "https://tea-house.example.hk/o/{{number}}?c={{billing.city}}" },
            status: { url: "{{status_url}}&ref={{number}}" },
            fixed: { amount: "total", currencyCode: "HKD" },
          },
        },
        "order.deleted": { openId: "x", templateCode: "T", templateValue: { a: "b" }, dedupKey: { field: "nothing" } },
      },
    },
  }).s!;
  const order = {
    id: 731,
    number: "A/7 1",
    total: "56.5",
    billing: { city: "Sha Tin & Tai Po" },
    status_url: "https://tea-house.example.hk/status?o=731",
    line_items: [{ name: "Oolong", quantity: 2 }],
    meta_data: [{ key: "alipayhk_open_id", value: "2088000000000731" }],
  };

  it("defaults, the first of several paths, templates, links with encoded parts, fixed currencies, a dedupKey template", () => {
    const result = mapSourceEvent(source, event("order.updated", order), NOW);
    expect(result).toEqual({
      ok: true,
      mapped: {
        openId: "2088000000000731",
        templateCode: "T",
        templateValue: {
          shop: "Tea House",
          number: "A/7 1",
          line: "Oolong ×2",
          link: "https://tea-house.example.hk/o/A%2F7%201?c=Sha%20Tin%20%26%20Tai%20Po",
          status: "https://tea-house.example.hk/status?o=731&ref=A%2F7%201",
          fixed: "HK$56.50",
        },
        dedupKey: "order-731",
        expiresAt: undefined,
      },
    });
  });

  it("a link that is not http(s), and an event type's own dedupKey overriding the source's", () => {
    const javascript = mapSourceEvent(
      source,
      event("order.updated", { ...order, status_url: "javascript:alert(1)//" }),
      NOW,
    );
    expect(javascript).toEqual({
      ok: false,
      reason: "missing-field",
      detail: "templateValue.status: the link is not an absolute http(s) URL",
    });
    const deleted = mapSourceEvent(source, event("order.deleted", { x: "2088" }), NOW);
    expect(deleted).toEqual({ ok: false, reason: "missing-field", detail: "dedupKey: no text at nothing" });
  });
});
