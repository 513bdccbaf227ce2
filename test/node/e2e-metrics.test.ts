/**
 * End to end, real processes: `GET /metrics` from the relay under `wrangler dev` (workerd) and self-hosted on
 * Node and Deno, read by an independent Prometheus text parser (parse-prometheus-text-format, never the relay's own
 * writer), after a job was sent, a storefront event ignored and a backlog held by a pause. What it reads agrees
 * with `GET /v1/status` read at the same moment (the pause holds everything still between the two reads) and
 * with what the stand-in received; the OpenMetrics answer carries the same samples and ends with `# EOF`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeNotifications, relayClient } from "../../dev/relay-client.ts";
import { METRICS } from "../../src/metrics/declaration.ts";
import { readMetrics } from "../support/metrics.ts";
import { shopifyHeaders, shopifyOrderPaid } from "../support/sources.ts";
import { type E2eRun, startE2eRun } from "./e2e-helpers.ts";

const METRICS_KEY = "e2e-metrics-key-0123456789";
const SENT = 300;
const HELD = 120;

interface Status {
  pace: { configuredRps: number; liveRps: number };
  backlog: { notifications: number; queued: number; oldestDueSeconds: number };
  inFlight: number;
  results: Record<string, number>;
  storage: { bytes: number; capBytes: number };
  hold: { kind: string } | null;
  sources: { source: string; ignored: Record<string, number> }[];
}

describe.each(["workerd", "node", "deno"] as const)("/metrics on %s", (runtime) => {
  let e2e: E2eRun | undefined;

  beforeAll(async () => {
    e2e = await startE2eRun({ runtime, maxRps: 50, gatewayLimitRps: 0, vars: { RELAY_METRICS_KEYS: METRICS_KEY } });
  }, 120_000);

  afterAll(() => e2e?.stop(), 60_000);

  const get = (path: string, key: string, accept?: string) =>
    fetch(`${e2e!.run.relayUrl}${path}`, {
      headers: { authorization: `Bearer ${key}`, ...(accept ? { accept } : {}) },
    });

  it("an independent parser reads every declared metric, and the values agree with /v1/status", async () => {
    const { run } = e2e!;
    const client = relayClient(run.relayUrl, run.apiKey);
    const sent = await client.submit({ notifications: makeNotifications(`${runtime[0]}m`, SENT) });
    expect(sent.status).toBe(202);
    expect((await client.waitForJobs([sent.body.jobId!], 30_000)).done).toBe(true);

    const order = JSON.stringify(shopifyOrderPaid);
    const ignored = await fetch(`${run.relayUrl}/v1/sources/shopify`, {
      method: "POST",
      headers: shopifyHeaders(order, run.sourceSecrets.shopify, { topic: "orders/create" }),
      body: order,
    });
    expect(ignored.status).toBe(200);

    const pause = await fetch(`${run.relayUrl}/v1/pause`, {
      method: "POST",
      headers: { authorization: `Bearer ${run.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ reason: "metrics end to end" }),
    });
    expect(pause.status).toBe(200);
    expect((await client.submit({ notifications: makeNotifications(`${runtime[0]}h`, HELD) })).status).toBe(202);

    const [statusRes, metricsRes, openMetricsRes] = await Promise.all([
      get("/v1/status", run.adminKey),
      get("/metrics", METRICS_KEY),
      get("/metrics", METRICS_KEY, "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"),
    ]);
    expect(metricsRes.status).toBe(200);
    expect(metricsRes.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const status = (await statusRes.json()) as Status;
    const m = readMetrics(await metricsRes.text());

    // Every declared metric is there, with its declared type and help.
    for (const metric of METRICS) {
      const family = m.families.get(metric.type === "counter" ? `${metric.name}_total` : metric.name);
      expect(family, metric.name).toBeDefined();
      expect(family!.type).toBe(metric.type.toUpperCase());
      expect(family!.help).toBe(metric.help);
    }
    expect(m.families.size).toBe(METRICS.length);

    expect(m.value("relay_pace_configured_requests_per_second")).toBe(status.pace.configuredRps);
    expect(m.value("relay_pace_live_requests_per_second")).toBe(status.pace.liveRps);
    expect(status.backlog.queued).toBe(HELD);
    expect(m.value("relay_backlog_notifications", { state: "queued" })).toBe(status.backlog.queued);
    expect(m.value("relay_backlog_notifications", { state: "in_flight" })).toBe(
      status.backlog.notifications - status.backlog.queued,
    );
    expect(m.value("relay_in_flight_requests")).toBe(status.inFlight);
    expect(status.hold?.kind).toBe("paused");
    expect(m.value("relay_sending_held", { reason: "paused" })).toBe(1);
    expect(m.value("relay_outbox_bytes")).toBe(status.storage.bytes);
    expect(m.value("relay_outbox_capacity_bytes")).toBe(status.storage.capBytes);
    // The reads are a moment apart: the held backlog's wait moved by that moment only.
    expect(Math.abs(m.value("relay_backlog_oldest_due_seconds") - status.backlog.oldestDueSeconds)).toBeLessThan(1);
    expect(m.byLabel("relay_requests_total", "code")).toEqual(status.results);

    // And with what the stand-in received: every request it answered, every notification it took.
    const stand = run.gateway.stats(true);
    expect(m.value("relay_requests_total", { code: "SUCCESS" })).toBe(stand.byResult.SUCCESS);
    expect(m.value("relay_notifications_total", { outcome: "succeeded" })).toBe(SENT);
    expect(stand.deliveredCount).toBe(SENT);
    expect(Number(m.families.get("relay_send_duration_seconds")?.metrics[0]?.count)).toBe(stand.requests);
    expect(m.value("relay_submits_total", { outcome: "created" })).toBe(2);
    expect(m.value("relay_source_events_ignored_total", { source: "shopify", reason: "unhandled-event" })).toBe(1);
    expect(status.sources.find((s) => s.source === "shopify")?.ignored).toEqual({ "unhandled-event": 1 });

    // OpenMetrics, as Prometheus asks first: the same counters, and the terminating # EOF.
    expect(openMetricsRes.status).toBe(200);
    expect(openMetricsRes.headers.get("content-type")).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    const open = await openMetricsRes.text();
    expect(open.endsWith("# EOF\n")).toBe(true);
    expect(open).toContain(`relay_requests_total{code="SUCCESS"} ${stand.byResult.SUCCESS}\n`);
    expect(open).toContain(`relay_backlog_notifications{state="queued"} ${HELD}\n`);
  }, 90_000);
});
