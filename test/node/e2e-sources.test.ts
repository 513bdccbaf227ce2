/**
 * End to end, real processes: the relay under `wrangler dev` (workerd) and self-hosted on Node and Deno, each with
 * the example sources `npm start` loads (examples/sources.json), and the AlipayHK stand-in. A Shopify
 * orders/paid webhook signed with Shopify's own HMAC helper and a Stripe checkout.session.completed
 * event signed by the stripe package become one notification each at the stand-in, with the mapped
 * openId and templateValue; resent, they are not sent again; a bad signature is 401; an unhandled topic
 * is 200, recorded, sent nowhere. A malformed RELAY_SOURCES stops a self-hosted start naming each problem.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relayClient } from "../../dev/relay-client.ts";
import { PROJECT_ROOT } from "../../dev/local-run.ts";
import { buildSelfHosted, runtimeCommand } from "../../scripts/self-hosted.ts";
import { shopifyHeaders, shopifyOrderPaid, stripeCheckoutCompleted, stripeHeaders } from "../support/sources.ts";
import { type E2eRun, startE2eRun } from "./e2e-helpers.ts";

const OPEN_ID = "20881234567890123456789012345678";

describe.each(["workerd", "node", "deno"] as const)("the example sources on %s", (runtime) => {
  let e2e: E2eRun | undefined;
  const sent: { source: string; body: string; headers: Record<string, string>; jobId: string }[] = [];

  beforeAll(async () => {
    e2e = await startE2eRun({ runtime, maxRps: 20, gatewayLimitRps: 20 });
  }, 120_000);

  afterAll(() => e2e?.stop(), 60_000);

  const post = (source: string, body: string, headers: Record<string, string>) =>
    fetch(`${e2e!.run.relayUrl}/v1/sources/${source}`, { method: "POST", headers, body });

  it("a Shopify orders/paid webhook and a Stripe checkout.session.completed event each become one notification", async () => {
    const { run } = e2e!;
    const shopify = JSON.stringify(shopifyOrderPaid);
    const stripe = JSON.stringify({ ...stripeCheckoutCompleted, created: Math.floor(Date.now() / 1000) });
    const deliveries = [
      { source: "shopify", body: shopify, headers: shopifyHeaders(shopify, run.sourceSecrets.shopify) },
      { source: "stripe", body: stripe, headers: await stripeHeaders(stripe, run.sourceSecrets.stripe) },
    ];
    for (const delivery of deliveries) {
      const res = await post(delivery.source, delivery.body, delivery.headers);
      const answer = (await res.json()) as { outcome: string; jobId: string };
      expect(res.status, JSON.stringify(answer)).toBe(202);
      expect(answer.outcome).toBe("queued");
      sent.push({ ...delivery, jobId: answer.jobId });
    }
    // A source's jobs belong to its own caller (source-<name>): an admin key reads them.
    const { done, jobs } = await relayClient(run.relayUrl, run.adminKey).waitForJobs(
      sent.map((s) => s.jobId),
      20_000,
    );
    expect(done).toBe(true);
    for (const job of jobs) expect(job).toMatchObject({ status: "completed", total: 1, succeeded: 1 });

    const delivered = run.gateway.stats(true).deliveries ?? [];
    expect(
      delivered.map((d) => ({
        openId: d.openId,
        templateCode: d.templateCode,
        templateValue: JSON.parse(d.templateValue),
      })),
    ).toEqual([
      {
        openId: OPEN_ID,
        templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
        templateValue: {
          merchantName: "Tea House",
          amount: "HK$198.00",
          redirectUrl: "https://tea-house.example.hk/account/orders/5721340690512",
        },
      },
      {
        openId: OPEN_ID,
        templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
        templateValue: {
          merchantName: "Tea House",
          amount: "HK$198.00",
          redirectUrl: "https://tea-house.example.hk/orders/order-1042",
        },
      },
    ]);
    expect(run.gateway.stats().signatureFailures).toBe(0);
  }, 60_000);

  it("a resent delivery gets its job back and is not sent again", async () => {
    const { run } = e2e!;
    expect(sent).toHaveLength(2);
    for (const delivery of sent) {
      const res = await post(delivery.source, delivery.body, delivery.headers);
      expect(res.status).toBe(202);
      expect(res.headers.get("idempotent-replayed")).toBe("true");
      expect(((await res.json()) as { jobId: string }).jobId).toBe(delivery.jobId);
    }
    // Nothing queued or on the wire: nothing more can reach the stand-in.
    const status = await relayClient(run.relayUrl, run.adminKey).status();
    expect(status.backlog.notifications).toBe(0);
    expect(status.inFlight).toBe(0);
    expect(run.gateway.stats().deliveredCount).toBe(2);
  }, 30_000);

  it("a bad signature is 401; an unhandled topic is 200, recorded with its reason, and sent nowhere", async () => {
    const { run } = e2e!;
    const body = JSON.stringify(shopifyOrderPaid);
    const forged = await post("shopify", body, shopifyHeaders(body, "shpss_a_guess_at_the_shops_secret00"));
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { code: string }).code).toBe("invalid-signature");

    const webhookId = `unhandled-${runtime}`;
    const created = await post(
      "shopify",
      body,
      shopifyHeaders(body, run.sourceSecrets.shopify, { topic: "orders/create", webhookId }),
    );
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({
      outcome: "ignored",
      reason: "unhandled-event",
      eventType: "orders/create",
    });
    const status = await relayClient(run.relayUrl, run.adminKey).status();
    expect(status.backlog.notifications).toBe(0);
    expect(status.inFlight).toBe(0);
    expect(run.gateway.stats().deliveredCount).toBe(2);
    // The record the dispatcher's counters take, today one log line.
    const deadline = Date.now() + 5_000;
    const recorded = () =>
      run.relayLogTail().some((line) => line.includes('"source_event_ignored"') && line.includes(webhookId));
    while (!recorded() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(run.relayLogTail().find((line) => line.includes(webhookId))).toMatch(/"reason":"unhandled-event"/);
  }, 30_000);
});

describe("a malformed RELAY_SOURCES stops a self-hosted start, naming each problem", () => {
  let dir = "";
  let bundle = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "alipay-relay-sources-"));
    bundle = await buildSelfHosted("node", PROJECT_ROOT, join(dir, "node.mjs"));
  }, 60_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Starts the Node relay with `vars`; resolves to its exit code and output (it must not start). */
  async function start(vars: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    const { command, args } = runtimeCommand("node", bundle, PROJECT_ROOT);
    const env = {
      PATH: process.env.PATH,
      ALIPAY_GATEWAY_URL: "http://127.0.0.1:9/api",
      ALIPAY_CLIENT_ID: "211020000000000000099",
      ALIPAY_MERCHANT_ID: "2160400000000099",
      ALIPAY_PRIVATE_KEY: "not checked: the start fails on the sources first",
      ALIPAY_PUBLIC_KEY: "not checked",
      RELAY_API_KEYS: "dev-key-0123456789abcdef",
      RELAY_DATA_DIR: join(dir, "data"),
      PORT: "8799",
      ...vars,
    };
    return promisify(execFile)(command, args, { cwd: PROJECT_ROOT, env, timeout: 30_000 }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number | null; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
  }

  it("inline JSON: each problem on its own line, with the setting and where in the declaration", async () => {
    const declaration = {
      shopify: {
        provider: "shopfiy",
        secrets: ["SHOPIFY_WEBHOOK_SECRET"],
        events: { "orders/paid": { templateCode: "T", templateValue: { a: "b" } } },
      },
    };
    const { code, stderr } = await start({
      RELAY_SOURCES: JSON.stringify(declaration),
      SHOPIFY_WEBHOOK_SECRET: "short",
    });
    expect(code).toBe(1);
    expect(stderr).toContain("configuration invalid:");
    expect(stderr).toContain(
      '  RELAY_SOURCES: shopify.provider: must be one of "shopify", "stripe", "woocommerce", "standard"',
    );
    expect(stderr).toContain('  RELAY_SOURCES: shopify.events["orders/paid"].openId: is required');
    expect(stderr).not.toContain("short");
  }, 30_000);

  it("a file: read from disk at start, its problems prefixed by its path; a missing secret named by its setting", async () => {
    const file = join(dir, "sources.json");
    await writeFile(
      file,
      JSON.stringify({
        shop: {
          provider: "shopify",
          secrets: ["SHOP_SECRET"],
          events: { "orders/paid": { openId: "x", templateCode: "T", templateValue: { a: { url: "{{id" } } } },
        },
      }),
    );
    const { code, stderr } = await start({ RELAY_SOURCES: file });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `  RELAY_SOURCES: ${file}: shop.events["orders/paid"].templateValue.a.url: has {{ without its }}`,
    );
    const missing = await start({ RELAY_SOURCES: join(dir, "absent.json") });
    expect(missing.stderr).toContain(
      `  RELAY_SOURCES: names the file ${join(dir, "absent.json")}, which cannot be read (ENOENT)`,
    );
    await writeFile(
      file,
      JSON.stringify({
        shop: {
          provider: "shopify",
          secrets: ["SHOP_SECRET"],
          events: { "orders/paid": { openId: "x", templateCode: "T", templateValue: { a: "b" } } },
        },
      }),
    );
    const unset = await start({ RELAY_SOURCES: file });
    expect(unset.stderr).toContain(
      "  SHOP_SECRET: is not set; source shop (RELAY_SOURCES) verifies its shopify webhooks with it",
    );
  }, 30_000);
});
