import { type ErrorHandler, Hono, type MiddlewareHandler, type NotFoundHandler } from "hono";
import { SETTINGS } from "../config";
import type { DispatcherApi } from "../engine/api";
import { logEvent } from "../log";
import { loadRuntime } from "../runtime";
import { matchApiKey } from "../security/api-key";
import type { RelayEnv } from "./env";
import { healthOf } from "./health";
import { configured } from "./middleware/configured";
import { HEALTH_EXAMPLES, MISCONFIGURED_EXAMPLES } from "./openapi/examples";
import { documented } from "./openapi/route";
import { type DegradedReason, HealthSchema } from "./openapi/schemas";
import { problem } from "./problem";
import { callbackSecrets } from "./routes/callback-secrets";
import { metrics } from "./routes/metrics";
import { notifications } from "./routes/notifications";
import { operations } from "./routes/operations";
import { sources } from "./routes/sources";
import { status } from "./routes/status";

/**
 * The relay's HTTP API. The dashboard, `/openapi.json` and `/docs` are files (`public/`, the last two
 * written at build time by scripts/build-pages.ts), served by Workers Static Assets or the self-hosted
 * static middleware before any route.
 */
export const app = new Hono<RelayEnv>();

app.get(
  "/healthz",
  documented({
    operationId: "getHealth",
    tag: "Operations",
    summary: "Health",
    description:
      "`ok`, `degraded` (configured, but sending is impaired) or `misconfigured` (503), for anyone. With an admin " +
      "key (RELAY_ADMIN_KEYS) also the reasons: each bad setting, each degradation and the settings summary; " +
      "never key material.",
    auth: "public",
    responses: {
      200: { description: "Configured (`ok` or `degraded`).", schema: HealthSchema, examples: HEALTH_EXAMPLES },
      503: {
        description: "Misconfigured (`application/json`, not a problem: health checkers read the body as is).",
        schema: HealthSchema,
        examples: MISCONFIGURED_EXAMPLES,
      },
    },
    problems: [],
  }),
  async (c) => {
    const loaded = await loadRuntime(c.env);
    // The admin keys are read on their own, so an operator still gets the details when other settings are wrong.
    const adminKeys =
      SETTINGS.RELAY_ADMIN_KEYS.schema.safeParse(
        String((c.env as { RELAY_ADMIN_KEYS?: unknown }).RELAY_ADMIN_KEYS ?? ""),
      ).data ?? [];
    const admin = (await matchApiKey(c.req.header("authorization"), adminKeys)).ok;
    const health = healthOf(loaded, loaded.ok ? await dispatcherHealth(c.var.dispatcher) : [], admin);
    return c.json(health, health.status === "misconfigured" ? 503 : 200);
  },
);

app.route("/metrics", metrics);

app.use("/v1/*", configured());
app.route("/v1/notifications", notifications);
app.route("/v1/sources", sources);
app.route("/v1/status", status);
app.route("/v1/callback-secrets", callbackSecrets);
app.route("/v1", operations);

const notFound: NotFoundHandler = (c) =>
  problem(c, "not-found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`);

const onError: ErrorHandler = (error, c) => {
  logEvent({ event: "unhandled_error", method: c.req.method, path: new URL(c.req.url).pathname, error: error.message });
  return problem(c, "internal-error", "Something went wrong on the relay; it has been logged.");
};

app.notFound(notFound);
app.onError(onError);

/** A host's bindings with the app's variables: what the host's own middleware sees. */
export type HostEnv<Bindings extends object> = { Bindings: Bindings; Variables: RelayEnv["Variables"] };

/**
 * The app as a host serves it: `host`, the host's own middleware, runs before every route and sets
 * `c.var.dispatcher` (a Durable Object stub, or the in-process service).
 */
export function hostedApp<Bindings extends object>(
  host: MiddlewareHandler<HostEnv<Bindings>>,
): Hono<HostEnv<Bindings>> {
  const hosted = new Hono<HostEnv<Bindings>>();
  hosted.use("*", host);
  hosted.route("/", app);
  hosted.notFound(notFound);
  hosted.onError(onError);
  return hosted;
}

/**
 * The dispatcher's reasons to be degraded (sending held, storage near its cap). A dispatcher that does
 * not answer is itself a reason: health must say so rather than fail.
 */
async function dispatcherHealth(dispatcher: DispatcherApi): Promise<DegradedReason[]> {
  try {
    return await dispatcher.health();
  } catch (error) {
    logEvent({ event: "health_check_failed", error: error instanceof Error ? error.message : String(error) });
    return [{ reason: "breaker-open", detail: "the dispatcher did not answer the health check" }];
  }
}
