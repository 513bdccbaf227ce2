/**
 * `GET /metrics` inside workerd, from the Durable Object's state: who may read it, the two formats, and
 * that what an independent Prometheus text parser reads agrees with `GET /v1/status` at the same moment
 * (the same clientId's Durable Object, held by a pause so nothing moves between the two reads).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { TestGateway } from "./support/gateway";
import { readMetrics } from "./support/metrics";
import { ADMIN_KEY, API_KEY, freshRelay, relay, relayStatus, setting, submit, waitForJob } from "./support/relay";
import { shopifyHeaders, shopifyOrderPaid } from "./support/sources";

const METRICS_KEY = "test-metrics-key-0123456789";

beforeEach(freshRelay);

const scrape = (key: string | null, accept?: string) =>
  relay("/metrics", { key, ...(accept ? { headers: { accept } } : {}) });

describe("who may read /metrics", () => {
  it("a metrics key or an admin key; a caller's key is 403, none or an unknown one 401", async () => {
    for (const key of [METRICS_KEY, ADMIN_KEY]) expect((await scrape(key)).status).toBe(200);
    const caller = await scrape(API_KEY);
    expect(caller.status).toBe(403);
    expect(await caller.json()).toMatchObject({ code: "forbidden" });
    for (const key of [null, "not-a-key-0123456789abcdef"]) {
      const res = await scrape(key);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
      expect(await res.json()).toMatchObject({ code: "unauthorized" });
    }
  });

  it("a metrics key reads nothing else", async () => {
    expect((await relay("/v1/status", { key: METRICS_KEY })).status).toBe(401);
    expect((await relay("/v1/pause", { method: "POST", key: METRICS_KEY })).status).toBe(401);
  });
});

describe("the formats", () => {
  it("Prometheus text 0.0.4 by default; OpenMetrics 1.0 when Accept prefers it, as Prometheus asks", async () => {
    const plain = await scrape(METRICS_KEY);
    expect(plain.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(plain.headers.get("cache-control")).toBe("no-store");
    const text = await plain.text();
    expect(text).toContain("# TYPE relay_requests_total counter\n");
    expect(text).not.toContain("# EOF");

    const prometheusAccept =
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    const open = await scrape(METRICS_KEY, prometheusAccept);
    expect(open.headers.get("content-type")).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    // Read as bytes: workerd warns when .text() meets a media type it does not know as text.
    const body = new TextDecoder().decode(await open.arrayBuffer());
    expect(body.endsWith("# EOF\n")).toBe(true);
    expect(body).toContain("# TYPE relay_requests counter\n");
    expect(body).toContain("# UNIT relay_send_duration_seconds seconds\n");
    expect(body).toContain('relay_sending_held{reason="paused"} 0\n');
    // Plain text preferred over OpenMetrics: plain text.
    const preferred = await scrape(METRICS_KEY, "text/plain;q=1,application/openmetrics-text;q=0.5");
    expect(preferred.headers.get("content-type")).toMatch(/^text\/plain/);
  });
});

describe("what /metrics says agrees with /v1/status", () => {
  it("after a job was sent, a storefront event ignored, and a backlog held by a pause", async () => {
    const gateway = await TestGateway.install();
    const sent = await submit(250);
    await waitForJob(sent.jobId);
    const body = JSON.stringify(shopifyOrderPaid);
    const ignored = await relay("/v1/sources/shopify", {
      method: "POST",
      body,
      key: null,
      headers: shopifyHeaders(body, setting("SHOPIFY_WEBHOOK_SECRET"), { topic: "orders/create" }),
    });
    expect(ignored.status).toBe(200);
    expect((await relay("/v1/pause", { method: "POST", key: ADMIN_KEY })).status).toBe(200);
    await submit(120, { prefix: "held" });

    const [statusRes, metricsRes] = await Promise.all([relayStatus(ADMIN_KEY), scrape(METRICS_KEY)]);
    const status = statusRes;
    const m = readMetrics(await metricsRes.text());
    expect(m.value("relay_pace_configured_requests_per_second")).toBe(status.pace.configuredRps);
    expect(m.value("relay_pace_live_requests_per_second")).toBe(status.pace.liveRps);
    expect(m.value("relay_backlog_notifications", { state: "queued" })).toBe(status.backlog.queued);
    expect(status.backlog.queued).toBe(120);
    expect(m.value("relay_backlog_notifications", { state: "in_flight" })).toBe(
      status.backlog.notifications - status.backlog.queued,
    );
    expect(m.value("relay_in_flight_requests")).toBe(status.inFlight);
    expect(m.value("relay_sending_held", { reason: "paused" })).toBe(1);
    expect(m.value("relay_outbox_bytes")).toBe(status.storage.bytes);
    // The two reads are a moment apart: the held backlog's age moved by that moment only.
    expect(Math.abs(m.value("relay_backlog_oldest_due_seconds") - status.backlog.oldestDueSeconds)).toBeLessThan(1);
    expect(m.byLabel("relay_requests_total", "code")).toEqual(status.results);
    expect(m.value("relay_requests_total", { code: "SUCCESS" })).toBe(gateway.received.length);
    expect(m.value("relay_notifications_total", { outcome: "succeeded" })).toBe(250);
    expect(m.value("relay_submits_total", { outcome: "created" })).toBe(2);
    expect(m.value("relay_source_events_ignored_total", { source: "shopify", reason: "unhandled-event" })).toBe(1);
    expect(status.sources[0]?.ignored).toEqual({ "unhandled-event": 1 });
    // Every configured source has its series from the start.
    expect(m.value("relay_source_events_ignored_total", { source: "stripe", reason: "no-open-id" })).toBe(0);
    const duration = m.families.get("relay_send_duration_seconds")?.metrics[0];
    expect(Number(duration?.count)).toBe(gateway.received.length);
    expect(m.value("relay_start_time_seconds") * 1000).toBeLessThanOrEqual(Date.now());
  });
});
