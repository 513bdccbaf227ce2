/** The Worker's fetch handler: the relay's app, with the clientId's Durable Object as `c.var.dispatcher`. */
import { createMiddleware } from "hono/factory";
import { type HostEnv, hostedApp } from "../../http/app";
import { loadRuntime } from "../../runtime";

/** Sets `c.var.dispatcher` to the Durable Object of the configured clientId (while the configuration is valid). */
const durableObjectDispatcher = createMiddleware<HostEnv<Env>>(async (c, next) => {
  const loaded = await loadRuntime(c.env);
  if (loaded.ok) c.set("dispatcher", c.env.DISPATCHER.getByName(loaded.runtime.config.clientId));
  await next();
});

/** The relay as the Worker serves it. */
export const worker = hostedApp<Env>(durableObjectDispatcher);
