import { Hono } from "hono";
import { describeConfig } from "../../config";
import { authenticate } from "../auth";
import type { RelayEnv } from "../env";
import { problem } from "../problem";

/** `GET /v1/status`: configured and live pace, backlog and its ETA, in-flight sends, recent results. */
export const status = new Hono<RelayEnv>();

status.get("/", async (c) => {
  const caller = await authenticate(c);
  if (!caller.ok) return problem(c, "unauthorized", caller.detail, {}, { "WWW-Authenticate": "Bearer" });
  const { config } = c.var.runtime;
  const live = await c.env.DISPATCHER.getByName(config.clientId).status(caller.owner);
  return c.json({ relay: describeConfig(config), ...live });
});
