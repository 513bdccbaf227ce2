/** `GET /metrics`: the dispatcher's figures for Prometheus (text format 0.0.4, or OpenMetrics when asked). */
import { Hono } from "hono";
import { METRICS } from "../../metrics/declaration";
import { EXPOSITION_FORMATS, exposition, negotiateFormat } from "../../metrics/exposition";
import type { RelayEnv } from "../env";
import { metricsAuth } from "../middleware/auth";
import { configured } from "../middleware/configured";
import { documented } from "../openapi/route";

/** The metrics route. */
export const metrics = new Hono<RelayEnv>();

metrics.get(
  "/",
  documented({
    operationId: "getMetrics",
    tag: "Operations",
    summary: "Metrics for Prometheus",
    description:
      "The dispatcher's figures in the Prometheus text exposition format (0.0.4), or OpenMetrics 1.0 when `Accept` " +
      "prefers `application/openmetrics-text` (as Prometheus asks). Gauges read the same state as `GET /v1/status` " +
      "at that moment; counters count since the dispatcher's instance started (in memory: a restart starts them " +
      "from zero, which `rate()` takes as a reset), except the storefront sources' ignored events, which are " +
      "stored. The names, types and help are listed in docs/operations.md. A metrics key (RELAY_METRICS_KEYS) or " +
      "an admin key.",
    auth: "metrics",
    responses: {
      200: {
        description: "The metrics, as `text/plain; version=0.0.4` or `application/openmetrics-text; version=1.0.0`.",
        mediaType: "text/plain",
      },
    },
    problems: ["unauthorized", "forbidden", "not-configured", "internal-error"],
  }),
  configured(),
  metricsAuth(),
  async (c) => {
    const format = negotiateFormat(c.req.header("accept"));
    const snapshot = await c.var.dispatcher.metrics();
    const body = exposition(
      METRICS,
      { metrics: snapshot, sources: Object.keys(c.var.runtime.config.sources ?? {}) },
      format,
    );
    return c.body(body, 200, {
      "Content-Type": EXPOSITION_FORMATS[format],
      "Cache-Control": "no-store",
      Vary: "Accept",
    });
  },
);
