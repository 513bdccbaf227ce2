import { createMiddleware } from "hono/factory";
import { loadRuntime } from "../../../runtime";
import type { RelayEnv } from "../../env";
import { problem } from "../../problem";

/**
 * Refuses with 503 `not-configured` until the configuration is valid. The answer names no setting: it
 * goes to anyone, and which setting is wrong tells a stranger where to push; an admin key sees the
 * details on `/healthz`.
 */
export const configured = () =>
  createMiddleware<RelayEnv>(async (c, next) => {
    const loaded = await loadRuntime(c.env);
    if (!loaded.ok) {
      return problem(
        c,
        "not-configured",
        "The relay's configuration is invalid; an admin key sees the details on /healthz.",
      );
    }
    c.set("runtime", loaded.runtime);
    await next();
  });
