/**
 * The metrics snapshot on a fake clock: written out as Prometheus text and read back by an independent
 * parser, every gauge equals what `/v1/status` shows at the same moment and every counter equals what
 * the outbox and the status counted; counters kept in memory start again after a restart, the storefront
 * sources' ignored events (stored) do not; the age of the oldest due notification follows the clock.
 */
import { describe, expect, it } from "vitest";
import { packKeyedBatches } from "../../src/core/batch";
import { CALLBACK_WINDOW_MS } from "../../src/engine/decide/callback-policy";
import { METRICS } from "../../src/metrics/declaration";
import { exposition } from "../../src/metrics/exposition";
import { readMetrics } from "../support/metrics";
import { answered, SUCCESS, T0, World } from "./harness";

const SOURCES = ["shopify", "stripe"];

/** The exposition of `world`'s service now, parsed. */
async function scrape(service: ReturnType<World["service"]>) {
  return readMetrics(exposition(METRICS, { metrics: await service.metrics(), sources: SOURCES }, "prometheus"));
}

/** Sums of the jobs' counters, as stored. */
function jobTotals(world: World) {
  return world.rows<Record<"succeeded" | "failed" | "cancelled" | "expired" | "deduplicated", number>>(
    "SELECT SUM(succeeded) AS succeeded, SUM(failed) AS failed, SUM(cancelled) AS cancelled, SUM(expired) AS expired, SUM(deduplicated) AS deduplicated FROM jobs",
  )[0]!;
}

describe("metrics agree with the status at the same moment", () => {
  it("after sends with every kind of ending, a pause and a held backlog", async () => {
    const world = new World(undefined, (_task, n) => {
      if (n === 0) return answered("F", "REQUEST_TRAFFIC_EXCEED_LIMIT", "traffic");
      if (n === 2) return answered("F", "PROCESS_FAIL", "final");
      return SUCCESS;
    });
    const service = world.service();
    const first = world.request(5, 100, { idempotencyKey: "order-1" });
    expect((await service.submit(first)).kind).toBe("created");
    expect((await service.submit({ ...first, jobId: "job_0000000000000000000099" })).kind).toBe("existing");
    expect((await service.submit({ ...first, jobId: "job_0000000000000000000098", bodyHash: "other" })).kind).toBe(
      "idempotency-mismatch",
    );
    const keyed = packKeyedBatches(
      ["u1", "u2", "u3"].map((openId) => ({ openId, templateCode: "T", templateValue: "{}" })),
      ["a", "a", "b"],
    );
    expect((await service.submit(world.request(0, 0, { owner: "caller:shop-b", batches: keyed }))).kind).toBe(
      "created",
    );
    world.run(T0 + 60_000, () => world.engine.status(null, world.now).backlog.notifications === 0);

    await service.pause("metrics test", "key:ops");
    const cancelled = world.request(2, 50);
    await service.submit(cancelled);
    await service.cancelJob(null, cancelled.jobId);
    await service.submit(world.request(3, 100, { owner: "caller:shop-b" }));
    const heldSince = world.now;
    world.now += 7_250;
    for (const reason of ["unhandled-event", "unhandled-event", "no-open-id"]) {
      await service.recordSourceEvent({ source: "shopify", reason, eventType: "orders/create", at: world.now });
    }

    const status = await service.status(null);
    const m = await scrape(service);
    expect(m.value("relay_pace_configured_requests_per_second")).toBe(status.pace.configuredRps);
    expect(m.value("relay_pace_live_requests_per_second")).toBe(status.pace.liveRps);
    expect(status.pace.liveRps).toBeLessThan(status.pace.configuredRps); // lowered by the exceed answer
    expect(m.value("relay_backlog_notifications", { state: "queued" })).toBe(status.backlog.queued);
    expect(m.value("relay_backlog_notifications", { state: "in_flight" })).toBe(
      status.backlog.notifications - status.backlog.queued,
    );
    expect(status.backlog.queued).toBe(300);
    expect(m.value("relay_backlog_oldest_due_seconds")).toBe(status.backlog.oldestDueSeconds);
    expect(status.backlog.oldestDueSeconds).toBe((world.now - heldSince) / 1000);
    expect(m.value("relay_in_flight_requests")).toBe(status.inFlight);
    expect(m.byLabel("relay_sending_held", "reason")).toEqual({
      setup: 0,
      unverified: 0,
      outage: 0,
      paused: 1,
      "client-mismatch": 0,
    });
    expect(status.hold?.kind).toBe("paused");
    expect(m.value("relay_outbox_bytes")).toBe(status.storage.bytes);
    expect(m.value("relay_outbox_capacity_bytes")).toBe(status.storage.capBytes);
    expect(m.byLabel("relay_caller_queued_notifications", "caller")).toEqual(
      Object.fromEntries(status.callers.map((c) => [c.caller, c.queued])),
    );
    // Everything happened within the status's window: the totals are its results.
    expect(m.byLabel("relay_requests_total", "code")).toEqual(status.results);
    expect(status.results).toMatchObject({ REQUEST_TRAFFIC_EXCEED_LIMIT: 1, PROCESS_FAIL: 1 });
    expect(m.value("relay_exceed_answers_total")).toBe(status.sendsPerSecond.reduce((n, s) => n + s.exceeded, 0));
    expect(m.value("relay_exceed_answers_total")).toBe(1);
    // Notifications by ending: what the jobs' counters say.
    expect(m.byLabel("relay_notifications_total", "outcome")).toEqual(jobTotals(world));
    expect(jobTotals(world)).toMatchObject({ failed: 100, cancelled: 100, deduplicated: 1 });
    expect(m.byLabel("relay_submits_total", "outcome")).toEqual({
      created: 4,
      existing: 1,
      "idempotency-mismatch": 1,
      "webhook-replayed": 0,
      "backlog-full": 0,
      "storage-full": 0,
      "callbacks-pending": 0,
      error: 0,
    });
    // Every request that left took 200 ms to be answered.
    const duration = m.families.get("relay_send_duration_seconds")?.metrics[0];
    expect(Number(duration?.count)).toBe(world.departures.length);
    expect(Number(duration?.sum)).toBeCloseTo(world.departures.length * 0.2, 6);
    expect(Number(duration?.buckets?.["0.1"])).toBe(0);
    expect(Number(duration?.buckets?.["0.25"])).toBe(world.departures.length);
    // Ignored source events: the status's counts, and zeros for the other configured reasons and sources.
    expect(status.sources).toEqual([
      {
        source: "shopify",
        ignored: { "no-open-id": 1, "unhandled-event": 2 },
        lastIgnoredAt: new Date(world.now).toISOString(),
        lastReason: "no-open-id",
        lastEventType: "orders/create",
      },
    ]);
    expect(m.value("relay_source_events_ignored_total", { source: "shopify", reason: "unhandled-event" })).toBe(2);
    expect(m.value("relay_source_events_ignored_total", { source: "shopify", reason: "no-open-id" })).toBe(1);
    expect(m.value("relay_source_events_ignored_total", { source: "shopify", reason: "filtered" })).toBe(0);
    expect(m.value("relay_source_events_ignored_total", { source: "stripe", reason: "unhandled-event" })).toBe(0);
    expect(m.value("relay_start_time_seconds")).toBe(T0 / 1000);
    expect(new Date(status.resultsSince).getTime()).toBe(T0);
  });

  it("every declared metric is in the exposition, with its type and help", async () => {
    const world = new World();
    const m = await scrape(world.service());
    for (const metric of METRICS) {
      const name = metric.type === "counter" ? `${metric.name}_total` : metric.name;
      const family = m.families.get(name);
      expect(family, name).toBeDefined();
      expect(family?.type).toBe(metric.type.toUpperCase());
      expect(family?.help).toBe(metric.help);
    }
    expect(m.families.size).toBe(METRICS.length);
  });
});

describe("what a restart keeps", () => {
  it("counters in memory start again from zero; stored ignored events and the live gauges carry on", async () => {
    const world = new World();
    const service = world.service();
    await service.submit(world.request(2));
    world.run(T0 + 10_000, () => world.engine.status(null, world.now).backlog.notifications === 0);
    await service.recordSourceEvent({
      source: "stripe",
      reason: "unhandled-event",
      eventType: "charge.refunded",
      at: world.now,
    });
    const before = await scrape(service);
    expect(before.value("relay_requests_total", { code: "SUCCESS" })).toBe(2);
    expect(before.value("relay_notifications_total", { outcome: "succeeded" })).toBe(200);

    world.now += 60_000;
    world.restart();
    const restarted = world.service();
    const after = await scrape(restarted);
    expect(after.byLabel("relay_requests_total", "code")).toEqual({});
    expect(after.value("relay_notifications_total", { outcome: "succeeded" })).toBe(0);
    expect(after.value("relay_submits_total", { outcome: "created" })).toBe(0);
    expect(after.value("relay_start_time_seconds")).toBe(world.now / 1000);
    expect(after.value("relay_source_events_ignored_total", { source: "stripe", reason: "unhandled-event" })).toBe(1);
    // The status's figures begin at the restart too: nothing is known before it.
    expect((await restarted.status(null)).resultsSince).toBe(new Date(world.now).toISOString());
  });
});

describe("the age of the oldest due notification", () => {
  it("is 0 until a notification falls due (sendAfter), then counts from that moment while sending is held", async () => {
    const world = new World();
    const service = world.service();
    await service.pause("hold", "key:ops");
    await service.submit(world.request(1, 10, { sendAfter: T0 + 10_000 }));
    world.now = T0 + 5_000;
    expect((await service.status(null)).backlog.oldestDueSeconds).toBe(0);
    world.now = T0 + 12_500;
    expect((await service.status(null)).backlog.oldestDueSeconds).toBe(2.5);
    await service.resume();
    world.run(T0 + 20_000, () => world.engine.status(null, world.now).backlog.notifications === 0);
    expect((await service.status(null)).backlog.oldestDueSeconds).toBe(0);
  });
});

describe("ignored storefront events", () => {
  it("are one row per source and reason however many arrive; an admin's status lists them, a caller's none", async () => {
    const world = new World();
    const service = world.service();
    for (let i = 0; i < 50; i++) {
      await service.recordSourceEvent({
        source: i % 2 ? "shopify" : "stripe",
        reason: i % 5 ? "unhandled-event" : "expired",
        eventType: `type-${i}`,
        at: T0 + i,
      });
    }
    expect(world.rows("SELECT source, reason, count FROM source_events ORDER BY source, reason")).toEqual([
      { source: "shopify", reason: "expired", count: 5 },
      { source: "shopify", reason: "unhandled-event", count: 20 },
      { source: "stripe", reason: "expired", count: 5 },
      { source: "stripe", reason: "unhandled-event", count: 20 },
    ]);
    const admin = await service.status(null);
    expect(admin.sources.map((s) => [s.source, s.lastEventType, s.lastIgnoredAt])).toEqual([
      ["shopify", "type-49", new Date(T0 + 49).toISOString()],
      ["stripe", "type-48", new Date(T0 + 48).toISOString()],
    ]);
    expect((await service.status("key:alpha")).sources).toEqual([]);
    // An event answered earlier but counted later does not move the latest back.
    await service.recordSourceEvent({ source: "shopify", reason: "expired", eventType: "late", at: T0 });
    expect((await service.status(null)).sources[0]).toMatchObject({
      lastEventType: "type-49",
      lastIgnoredAt: new Date(T0 + 49).toISOString(),
    });
  });
});

describe("completion callbacks in the metrics", () => {
  it("pending while tried, each try counted by outcome, and one given up after its 24 h", async () => {
    const world = new World();
    world.receiver = () => "lost"; // the test reports each try itself, through the service
    const service = world.service();
    const jobId = world.submit(1, 1, { callbackUrl: "https://shop.example/done" });
    world.run(T0 + 10_000, () => world.callbacks.length === 1);
    expect((await scrape(service)).value("relay_callbacks_pending")).toBe(1);
    await service.callbackEnded({ jobId, attempt: 1, delivered: false, error: "HTTP 500" });
    world.run(world.now + 60_000, () => world.callbacks.length === 2);
    world.now = T0 + CALLBACK_WINDOW_MS + 60_000;
    await service.callbackEnded({ jobId, attempt: 2, delivered: false, error: "HTTP 500" });
    const m = await scrape(service);
    expect(m.byLabel("relay_callback_tries_total", "outcome")).toEqual({ delivered: 0, failed: 2 });
    expect(m.value("relay_callbacks_failed_total")).toBe(1);
    expect(m.value("relay_callbacks_pending")).toBe(0);
    expect(world.engine.job(null, jobId)?.callback?.status).toBe("failed");
  });
});
