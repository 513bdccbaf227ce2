/**
 * The stand-in's control endpoints, for tests and the benchmark (which runs the stand-in as its own
 * process and reads it only through these). Answered to loopback callers only: they reveal and change
 * everything the stand-in does.
 *   GET  /_stats[?summary]  every record (summary: without the per-delivery and per-arrival lists)
 *   GET  /_counts           running totals, the stand-in's clock and its own event-loop delay; constant time
 *   GET  /_arrivals         arrival times (epoch ms, the stand-in's clock, stamped before the body is read)
 *   GET  /_deliveries[?prefix=P]  each delivered notification (openId starting with P) and its request's arrival time
 *   POST /_reset            clears records, limiter window, fault counters and the loop-delay histogram
 *   GET|POST /_control      reads or changes settings (JSON, omitted keys keep their value)
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { GatewaySettings } from "./settings.ts";
import type { GatewayCounts, StatsRecorder } from "./stats.ts";

/** What the control endpoints act on. */
export interface ControlTarget {
  stats: StatsRecorder;
  settings(): GatewaySettings;
  configure(patch: Partial<GatewaySettings>): GatewaySettings;
  reset(): void;
  /** The clock arrivals are stamped with, epoch ms. */
  now(): number;
}

/** GET /_counts: totals plus what a reader in another process needs to interpret arrival times. */
export interface CountsView extends GatewayCounts {
  /** The stand-in's clock when it answered, epoch ms (to estimate its offset from the reader's clock). */
  now: number;
  /** Delay of the stand-in's own event loop since the last reset, ms: how late an arrival may be stamped. */
  loopDelayMs: { p99: number; max: number };
}

/** GET /_arrivals. */
export interface ArrivalsView {
  arrivals: number[];
  admittedArrivals: number[];
}

/**
 * GET /_deliveries: every notification delivered (repeats included), in arrival order, as parallel lists:
 * `openIds[i]` arrived in a request stamped `at[i]` (epoch ms, the stand-in's clock). Compact enough to
 * read tens of thousands at once; the prefix picks one scenario's or one caller's notifications.
 */
export interface DeliveriesView {
  openIds: string[];
  at: number[];
}

/** A control call's answer: an HTTP status and a JSON value. */
export interface ControlAnswer {
  status: number;
  value: unknown;
}

/** A control endpoint handler; `readBody` gives the request body text (undefined when too large). */
export type ControlHandler = (
  method: string,
  url: URL,
  readBody: () => Promise<string | undefined>,
) => Promise<ControlAnswer>;

/** True for an address on the loopback interface (IPv4 127/8, IPv6 ::1, or IPv4-mapped). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return address === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Creates the handler; `close` stops the loop-delay monitor. */
export function createControl(target: ControlTarget): { handle: ControlHandler; close(): void } {
  // Sampled every 5 ms: enough to see a loop held for a few ms, cheap enough to leave on.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;

  const handle: ControlHandler = async (method, url, readBody) => {
    const ok = (value: unknown): ControlAnswer => ({ status: 200, value });
    const route = `${method} ${url.pathname}`;
    switch (route) {
      case "GET /_stats":
        return ok(target.stats.snapshot(!url.searchParams.has("summary")));
      case "GET /_counts": {
        const counts: CountsView = {
          ...target.stats.counts(),
          now: target.now(),
          loopDelayMs: { p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
        };
        return ok(counts);
      }
      case "GET /_arrivals":
        return ok(target.stats.timeline() satisfies ArrivalsView);
      case "GET /_deliveries":
        return ok(target.stats.deliveryTimes(url.searchParams.get("prefix") ?? "") satisfies DeliveriesView);
      case "POST /_reset":
        target.reset();
        loopDelay.reset();
        return ok({ reset: true });
      case "GET /_control":
        return ok(target.settings());
      case "POST /_control":
        try {
          return ok(target.configure(JSON.parse((await readBody()) ?? "") as Partial<GatewaySettings>));
        } catch (e) {
          return { status: 400, value: { error: (e as Error).message } };
        }
      default:
        return {
          status: 404,
          value: {
            error:
              "unknown control endpoint (GET /_stats, /_counts, /_arrivals, /_deliveries; POST /_reset; GET|POST /_control)",
          },
        };
    }
  };
  return { handle, close: () => loopDelay.disable() };
}
