/**
 * `POST /v1/sources/{name}` inside workerd, with the sources of test/fixtures/sources/relay-sources.json:
 * webhooks signed as Shopify, Stripe, WooCommerce and Standard Webhooks sign them become one notification
 * each at the in-test gateway, with the mapped openId and templateValue; a redelivery is not sent again;
 * a bad or stale signature is 401; what a mapping cannot use is 200 `ignored`, recorded, sent nowhere.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { DispatcherApi, SourceEventRecord } from "../../src/engine/api";
import { app, hostedApp } from "../../src/http/app";
import { routeDocs } from "../../src/http/openapi/route";
import type { ProblemCode } from "../../src/http/problem";
import { TestGateway } from "../support/gateway";
import { ADMIN_KEY, expectOutboxEmpty, freshRelay, relay, relayStatus, setting, waitForJob } from "../support/relay";
import {
  shopifyHeaders,
  shopifyOrderPaid,
  standardHeaders,
  stripeCheckoutCompleted,
  stripeHeaders,
  wooCommerceHeaders,
} from "../support/sources";

const OPEN_ID = "20881234567890123456789012345678";

let gateway: TestGateway;
beforeEach(async () => {
  await freshRelay();
  gateway = await TestGateway.install();
});

function post(source: string, body: string, headers: Record<string, string>): Promise<Response> {
  return relay(`/v1/sources/${source}`, { method: "POST", body, headers, key: null });
}

interface Queued {
  outcome: "queued";
  source: string;
  eventType: string;
  deliveryId: string | null;
  jobId: string;
  status: string;
  total: number;
}

interface Ignored {
  outcome: "ignored";
  source: string;
  eventType: string | null;
  deliveryId: string | null;
  reason: string;
  detail: string;
}

async function expectQueued(res: Response): Promise<Queued> {
  const text = await res.text();
  expect(res.status, text).toBe(202);
  const body = JSON.parse(text) as Queued;
  expect(res.headers.get("location")).toBe(`/v1/notifications/${body.jobId}`);
  return body;
}

async function expectIgnored(res: Response, reason: string): Promise<Ignored> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const body = JSON.parse(text) as Ignored;
  expect(body).toMatchObject({ outcome: "ignored", reason });
  return body;
}

/** The log lines of ignored events while `run` runs (each is also counted by the dispatcher). */
async function ignoredRecords(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines
    .filter((line) => line.includes('"event":"source_event_ignored"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const order = (changes: Record<string, unknown> = {}) => JSON.stringify({ ...shopifyOrderPaid, ...changes });
const checkout = (object: Record<string, unknown> = {}, event: Record<string, unknown> = {}) =>
  JSON.stringify({
    ...stripeCheckoutCompleted,
    created: Math.floor(Date.now() / 1000) - 5,
    ...event,
    data: { object: { ...stripeCheckoutCompleted.data.object, ...object } },
  });

describe("a signed event becomes one notification at the gateway", () => {
  it("Shopify orders/paid: openId from note_attributes, the amount with its currency, a link to the order", async () => {
    const body = order();
    const webhookId = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043";
    const queued = await expectQueued(
      await post("shopify", body, shopifyHeaders(body, setting("SHOPIFY_WEBHOOK_SECRET"), { webhookId })),
    );
    expect(queued).toMatchObject({
      outcome: "queued",
      source: "shopify",
      eventType: "orders/paid",
      deliveryId: webhookId,
      total: 1,
    });

    const job = await waitForJob(queued.jobId, 20_000, ADMIN_KEY);
    expect(job).toMatchObject({ status: "completed", total: 1, succeeded: 1 });
    const sent = gateway.received.flatMap((r) => r.notifications);
    expect(sent).toEqual([
      {
        openId: OPEN_ID,
        templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
        templateValue:
          '{"merchantName":"Tea House","amount":"HK$198.00","redirectUrl":"https://tea-house.example.hk/account/orders/5721340690512"}',
      },
    ]);
    expect(gateway.received.every((r) => r.verified)).toBe(true);
  });

  it("Stripe checkout.session.completed: openId from metadata, cents formatted as dollars, the order in the link", async () => {
    const body = checkout();
    const queued = await expectQueued(
      await post("stripe", body, await stripeHeaders(body, setting("STRIPE_WEBHOOK_SECRET"))),
    );
    expect(queued).toMatchObject({
      source: "stripe",
      eventType: "checkout.session.completed",
      deliveryId: stripeCheckoutCompleted.id,
    });
    expect(await waitForJob(queued.jobId, 20_000, ADMIN_KEY)).toMatchObject({ status: "completed", succeeded: 1 });
    const [sent] = gateway.received.flatMap((r) => r.notifications);
    expect(sent?.openId).toBe(OPEN_ID);
    expect(JSON.parse(sent!.templateValue)).toEqual({
      merchantName: "Tea House",
      amount: "HK$198.00",
      redirectUrl: "https://tea-house.example.hk/orders/order-1042",
    });
  });

  it("WooCommerce order.updated: openId from meta_data; a second source's caller and merchant", async () => {
    const body = JSON.stringify({
      id: 731,
      status: "processing",
      currency: "HKD",
      total: "56.50",
      customer_note: "",
      meta_data: [
        { id: 9001, key: "_wc_order_attribution_source_type", value: "typein" },
        { id: 9002, key: "alipayhk_open_id", value: OPEN_ID },
      ],
    });
    const queued = await expectQueued(await post("woo", body, wooCommerceHeaders(body, setting("WOO_WEBHOOK_SECRET"))));
    expect(queued).toMatchObject({ source: "woo", eventType: "order.updated" });
    expect(await waitForJob(queued.jobId, 20_000, ADMIN_KEY)).toMatchObject({ status: "completed", succeeded: 1 });
    const [sent] = gateway.received.flatMap((r) => r.notifications);
    expect(JSON.parse(sent!.templateValue)).toEqual({
      merchantName: "Tea House",
      amount: "HK$56.50",
      redirectUrl: "https://tea-house.example.hk/my-account/view-order/731/",
    });
  });

  it("Standard Webhooks: the `*` mapping, the source's merchantId and onUnknown", async () => {
    const body = JSON.stringify({
      type: "invoice.paid",
      timestamp: new Date().toISOString(),
      data: { openId: OPEN_ID, ref: "INV 7/2" },
    });
    const queued = await expectQueued(
      await post("hooks", body, standardHeaders(body, setting("HOOKS_WEBHOOK_SECRET"))),
    );
    const job = await waitForJob(queued.jobId, 20_000, ADMIN_KEY);
    expect(job).toMatchObject({ status: "completed", merchantId: "2160400000000299", onUnknown: "fail" });
    const [sent] = gateway.received.flatMap((r) => r.notifications);
    expect(JSON.parse(sent!.templateValue)).toEqual({ merchantName: "Tea House", note: "invoice.paid for INV 7/2" });
  });
});

describe("redeliveries", () => {
  it("the same delivery again gets the same job and nothing is sent twice", async () => {
    const body = order();
    const headers = shopifyHeaders(body, setting("SHOPIFY_WEBHOOK_SECRET"));
    const first = await expectQueued(await post("shopify", body, headers));
    await waitForJob(first.jobId, 20_000, ADMIN_KEY);
    const again = await post("shopify", body, headers);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await expectQueued(again)).jobId).toBe(first.jobId);
    expect(gateway.deliveries().get(OPEN_ID)).toBe(1);
    await expectOutboxEmpty();
  });

  it("Stripe's retry of an event (a new signature, pending_webhooks changed) finds the first job", async () => {
    const created = Math.floor(Date.now() / 1000) - 60;
    const body = checkout({}, { created, pending_webhooks: 1 });
    const first = await expectQueued(
      await post("stripe", body, await stripeHeaders(body, setting("STRIPE_WEBHOOK_SECRET"))),
    );
    await waitForJob(first.jobId, 20_000, ADMIN_KEY);
    const retry = checkout({}, { created, pending_webhooks: 2 });
    const again = await expectQueued(
      await post("stripe", retry, await stripeHeaders(retry, setting("STRIPE_WEBHOOK_SECRET"))),
    );
    expect(again.jobId).toBe(first.jobId);
    expect(gateway.deliveries().get(OPEN_ID)).toBe(1);
  });

  it("a Shopify body delivered again under a new webhook id (unsigned) is deduplicated, not sent twice", async () => {
    const body = order();
    const first = await expectQueued(
      await post("shopify", body, shopifyHeaders(body, setting("SHOPIFY_WEBHOOK_SECRET"))),
    );
    await waitForJob(first.jobId, 20_000, ADMIN_KEY);
    const replay = await expectQueued(
      await post("shopify", body, shopifyHeaders(body, setting("SHOPIFY_WEBHOOK_SECRET"))),
    );
    expect(replay.jobId).not.toBe(first.jobId);
    expect(await waitForJob(replay.jobId, 20_000, ADMIN_KEY)).toMatchObject({
      status: "completed",
      deduplicated: 1,
      succeeded: 0,
    });
    expect(gateway.deliveries().get(OPEN_ID)).toBe(1);
  });
});

describe("signatures", () => {
  it("the secret being rotated in verifies too, and Shopify's headers are read without the X- prefix", async () => {
    const body = order();
    await expectQueued(await post("shopify", body, shopifyHeaders(body, setting("SHOPIFY_WEBHOOK_SECRET_NEXT"))));
    await expectQueued(
      await post(
        "shopify",
        order({ id: 1 }),
        shopifyHeaders(order({ id: 1 }), setting("SHOPIFY_WEBHOOK_SECRET"), { unprefixed: true }),
      ),
    );
  });

  it("a bad, missing, malformed or stale signature is 401 invalid-signature with a challenge, and nothing is queued", async () => {
    const body = order();
    const shopify = setting("SHOPIFY_WEBHOOK_SECRET");
    const stripe = setting("STRIPE_WEBHOOK_SECRET");
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string, Record<string, string>, RegExp][] = [
      ["shopify", body, shopifyHeaders(body, "shpss_another_shops_secret_0000000"), /does not match/],
      ["shopify", order({ total_price: "1.00" }), shopifyHeaders(body, shopify), /does not match/],
      ["shopify", body, { ...shopifyHeaders(body, shopify), "x-shopify-hmac-sha256": "" }, /No X-Shopify-Hmac-Sha256/],
      ["shopify", body, { ...shopifyHeaders(body, shopify), "x-shopify-hmac-sha256": "not base64!" }, /malformed/],
      ["stripe", checkout(), await stripeHeaders(checkout(), stripe, { timestamp: now - 400 }), /5 minutes/],
      ["stripe", checkout(), await stripeHeaders(checkout(), stripe, { timestamp: now + 400 }), /5 minutes/],
      ["stripe", checkout(), { "stripe-signature": `t=${now}` }, /malformed/],
      ["stripe", checkout(), await stripeHeaders(checkout(), "whsec_not_the_endpoint_secret_000000"), /does not match/],
      ["woo", body, wooCommerceHeaders(body, "wc-someone-elses-secret-000"), /does not match/],
      ["hooks", body, standardHeaders(body, "whsec_b3RoZXItc2VjcmV0LW9mLXNpeHRlZW4="), /does not match/],
      ["hooks", body, standardHeaders(body, setting("HOOKS_WEBHOOK_SECRET"), { timestamp: now - 600 }), /5 minutes/],
    ];
    for (const [source, text, headers, detail] of cases) {
      const res = await post(source, text, headers);
      const problem = (await res.json()) as { code: string; detail: string };
      expect(res.status, `${source} ${detail}`).toBe(401);
      expect(problem.code).toBe("invalid-signature");
      expect(problem.detail).toMatch(detail);
      expect(res.headers.get("www-authenticate")).toBe(`Signature realm="${source}"`);
    }
    await expectOutboxEmpty();
    expect((await relayStatus(ADMIN_KEY)).recentJobs).toEqual([]);
  });

  it("a body above the source's limit is 413 before its signature is checked", async () => {
    const body = JSON.stringify({ id: 1, filler: "x".repeat(5000) });
    const res = await post("woo", body, wooCommerceHeaders(body, "wrong-secret-but-too-large-anyway"));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe("payload-too-large");
  });

  it("WooCommerce's unsigned ping when a webhook is saved gets the 200 it needs; other unsigned bodies a 401", async () => {
    const ping = await post("woo", "webhook_id=17", { "content-type": "application/x-www-form-urlencoded" });
    expect(ping.status).toBe(200);
    expect(await ping.json()).toEqual({ outcome: "ping", source: "woo" });
    const unsigned = await post("woo", '{"id":1}', { "content-type": "application/json" });
    expect(unsigned.status).toBe(401);
    const shopifyPing = await post("shopify", "webhook_id=17", {});
    expect(shopifyPing.status).toBe(401);
  });
});

describe("verified events that are not queued: 200 with the reason, recorded, sent nowhere", () => {
  it("an unhandled topic", async () => {
    const body = order();
    let res: Response | undefined;
    const records = await ignoredRecords(async () => {
      res = await post(
        "shopify",
        body,
        shopifyHeaders(body, setting("SHOPIFY_WEBHOOK_SECRET"), { topic: "orders/create", webhookId: "w-1" }),
      );
    });
    const ignored = await expectIgnored(res!, "unhandled-event");
    expect(ignored).toMatchObject({ source: "shopify", eventType: "orders/create", deliveryId: "w-1" });
    expect(ignored.detail).toContain("orders/paid");
    expect(records).toEqual([
      expect.objectContaining({
        source: "shopify",
        outcome: "ignored",
        reason: "unhandled-event",
        eventType: "orders/create",
        deliveryId: "w-1",
      }),
    ]);
    // Counted by the dispatcher before the answer: an admin's status shows it, a caller's does not.
    const { sources } = await relayStatus(ADMIN_KEY);
    expect(sources).toEqual([
      {
        source: "shopify",
        ignored: { "unhandled-event": 1 },
        lastIgnoredAt: expect.any(String),
        lastReason: "unhandled-event",
        lastEventType: "orders/create",
      },
    ]);
    expect((await relayStatus()).sources).toEqual([]);
    await expectOutboxEmpty();
  });

  it("no openId, a field missing, an unmet condition, AlipayHK's 300 characters, an expired event, a body that is no event", async () => {
    const shopify = setting("SHOPIFY_WEBHOOK_SECRET");
    const stripe = setting("STRIPE_WEBHOOK_SECRET");
    const withoutOpenId = order({ note_attributes: [{ name: "gift_note", value: "for Mum" }] });
    const withoutCurrency = order({ currency: null });
    const longOpenId = order({ note_attributes: [{ name: "alipayhk_open_id", value: "2".repeat(200) }] });
    const unpaid = checkout({ payment_status: "unpaid" });
    const old = checkout({}, { created: Math.floor(Date.now() / 1000) - 2 * 86_400 });
    const cases: [string, string, Record<string, string>, string, RegExp][] = [
      [
        "shopify",
        withoutOpenId,
        shopifyHeaders(withoutOpenId, shopify),
        "no-open-id",
        /note_attributes\[name=alipayhk_open_id\]\.value/,
      ],
      [
        "shopify",
        withoutCurrency,
        shopifyHeaders(withoutCurrency, shopify),
        "missing-field",
        /templateValue\.amount: currency/,
      ],
      [
        "shopify",
        longOpenId,
        shopifyHeaders(longOpenId, shopify),
        "invalid-notification",
        /AlipayHK allows at most 300/,
      ],
      ["stripe", unpaid, await stripeHeaders(unpaid, stripe), "filtered", /payment_status is not "paid"/],
      ["stripe", old, await stripeHeaders(old, stripe), "expired", /expire after 86400 s/],
      ["shopify", "not json", shopifyHeaders("not json", shopify), "malformed-event", /not JSON/],
    ];
    const records = await ignoredRecords(async () => {
      for (const [source, body, headers, reason, detail] of cases) {
        const ignored = await expectIgnored(await post(source, body, headers), reason);
        expect(ignored.detail).toMatch(detail);
      }
    });
    expect(records.map((r) => r.reason)).toEqual(cases.map((c) => c[3]));
    const counted = Object.fromEntries((await relayStatus(ADMIN_KEY)).sources.map((s) => [s.source, s.ignored]));
    expect(counted).toEqual({
      shopify: { "no-open-id": 1, "missing-field": 1, "invalid-notification": 1, "malformed-event": 1 },
      stripe: { filtered: 1, expired: 1 },
    });
    await expectOutboxEmpty();
  });

  it("a dispatcher that fails to count never turns the 200 into an error: the failure is logged", async () => {
    const counts: string[] = [];
    const failing = hostedApp<Env>(async (c, next) => {
      c.set("dispatcher", {
        recordSourceEvent: async (event: SourceEventRecord) => {
          counts.push(event.reason);
          throw new Error("storage unavailable");
        },
      } as unknown as DispatcherApi);
      await next();
    });
    const body = order();
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    let res: Response;
    try {
      res = await failing.request(
        "/v1/sources/shopify",
        {
          method: "POST",
          body,
          headers: shopifyHeaders(body, setting("SHOPIFY_WEBHOOK_SECRET"), { topic: "orders/create" }),
        },
        env,
      );
    } finally {
      spy.mockRestore();
    }
    await expectIgnored(res, "unhandled-event");
    expect(counts).toEqual(["unhandled-event"]);
    const notCounted = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.event === "source_event_not_counted");
    expect(notCounted).toMatchObject({ source: "shopify", reason: "unhandled-event", error: "storage unavailable" });
    expect(lines.some((l) => l.includes('"event":"source_event_ignored"'))).toBe(true);
  });
});

describe("the route", () => {
  it("an unknown source is 404 not-found", async () => {
    const res = await post("magento", "{}", {});
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe("not-found");
  });

  it("the bundled examples/sources.json serves as RELAY_SOURCES in workerd", async () => {
    const bundled = { ...env, RELAY_SOURCES: "examples/sources.json" } as unknown as Env;
    const body = order({ id: 42 });
    const res = await app.request(
      "/v1/sources/shopify",
      {
        method: "POST",
        body,
        headers: shopifyHeaders(body, setting("SHOPIFY_WEBHOOK_SECRET"), { topic: "orders/create" }),
      },
      bundled,
    );
    expect(await expectIgnored(res, "unhandled-event")).toMatchObject({
      detail: 'this source maps orders/paid, not "orders/create"',
    });
    expect((await app.request("/v1/sources/woo", { method: "POST", body }, bundled)).status).toBe(404);
  });

  it("a malformed RELAY_SOURCES answers 503 not-configured (naming nothing); /healthz lists each problem for an admin", async () => {
    const broken = {
      ...env,
      RELAY_SOURCES: JSON.stringify({
        shopify: { provider: "shopfiy", secrets: ["SHOPIFY_WEBHOOK_SECRET"], events: {} },
      }),
    } as unknown as Env;
    const res = await app.request("/v1/sources/shopify", { method: "POST", body: "{}" }, broken);
    expect(res.status).toBe(503);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: "not-configured" });
    expect(JSON.stringify(body)).not.toContain("RELAY_SOURCES");
    const health = await app.request("/healthz", { headers: { authorization: `Bearer ${ADMIN_KEY}` } }, broken);
    const { errors } = (await health.json()) as { errors: { setting: string; problem: string }[] };
    expect(errors).toEqual([
      {
        setting: "RELAY_SOURCES",
        problem: 'shopify.provider: must be one of "shopify", "stripe", "woocommerce", "standard"',
      },
      { setting: "RELAY_SOURCES", problem: "shopify.events: must map at least one event type" },
    ]);
  });
});

describe("the OpenAPI registration", () => {
  it("every answer above has a status, schema or problem code the route documents", async () => {
    const route = routeDocs(app).find((r) => r.method === "post" && r.path === "/v1/sources/{name}");
    expect(route).toBeDefined();
    const { doc } = route!;
    const body = order();
    const answers = [
      await post("shopify", body, shopifyHeaders(body, setting("SHOPIFY_WEBHOOK_SECRET"))),
      await post("shopify", body, shopifyHeaders(body, setting("SHOPIFY_WEBHOOK_SECRET"), { topic: "orders/create" })),
      await post("woo", "webhook_id=3", {}),
      await post("shopify", body, {}),
      await post("nowhere", body, {}),
      await post("woo", "x".repeat(5000), wooCommerceHeaders("x", setting("WOO_WEBHOOK_SECRET"))),
    ];
    expect(answers.map((r) => r.status)).toEqual([202, 200, 200, 401, 404, 413]);
    for (const res of answers) {
      const json = (await res.json()) as { code?: ProblemCode };
      const success = doc.responses[res.status];
      if (success && "schema" in success) {
        expect(success.schema.safeParse(json).error?.issues ?? []).toEqual([]);
      } else {
        expect(doc.problems).toContain(json.code);
        expect(res.headers.get("content-type")).toBe("application/problem+json");
      }
    }
  });
});
