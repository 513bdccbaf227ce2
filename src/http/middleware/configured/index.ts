import { createMiddleware } from "hono/factory";
import { loadRuntime } from "../../../runtime";
import type { RelayEnv } from "../../env";
import { problem } from "../../problem";

/** Refuses with 503 `not-configured` (naming the settings, never their values) until the configuration is valid. */
export const configured = () =>
  createMiddleware<RelayEnv>(async (c, next) => {
    const loaded = await loadRuntime(c.env);
    if (!loaded.ok) {
      return problem(
        c,
        "not-configured",
        "The relay's configuration is invalid; an admin key sees the details on /healthz.",
        {
          settings: loaded.errors.map((error) => error.setting),
        },
      );
    }
    c.set("runtime", loaded.runtime);
    await next();
  });
