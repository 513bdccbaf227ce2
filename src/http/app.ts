import { Hono } from "hono";
import { describeConfig } from "../config";
import { logEvent } from "../log";
import { loadRuntime } from "../runtime";
import type { RelayEnv } from "./env";
import { problem } from "./problem";
import { dashboard } from "./routes/dashboard";
import { docs } from "./routes/docs";
import { notifications } from "./routes/notifications";
import { openapi } from "./routes/openapi";
import { status } from "./routes/status";

/** The relay's HTTP API. */
export const app = new Hono<RelayEnv>();

// Health does not need credentials and never shows a secret: it names bad settings so operators can fix them.
app.get("/healthz", async (c) => {
  const loaded = await loadRuntime(c.env);
  if (!loaded.ok) return c.json({ status: "misconfigured", errors: loaded.errors }, 503);
  return c.json({ status: "ok", relay: describeConfig(loaded.runtime.config) });
});

// Everything under /v1 needs a valid configuration (and so both keys imported) first.
app.use("/v1/*", async (c, next) => {
  const loaded = await loadRuntime(c.env);
  if (!loaded.ok) {
    return problem(c, "not-configured", "The relay's configuration is invalid; see /healthz.", {
      settings: loaded.errors.map((e) => e.setting),
    });
  }
  c.set("runtime", loaded.runtime);
  await next();
});

app.route("/v1/notifications", notifications);
app.route("/v1/status", status);
// Operator surface: public, holds no data (the dashboard reads /v1/status with the operator's key).
app.route("/", openapi);
app.route("/", docs);
app.route("/", dashboard);

app.notFound((c) => problem(c, "not-found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`));

app.onError((error, c) => {
  logEvent({ event: "unhandled_error", method: c.req.method, path: new URL(c.req.url).pathname, error: error.message });
  return problem(c, "internal-error", "Something went wrong on the relay; it has been logged.");
});
