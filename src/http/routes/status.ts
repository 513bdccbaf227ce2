import { Hono } from "hono";
import { describeConfig } from "../../config";
import type { RelayEnv } from "../env";
import { bearerAuth } from "../middleware/auth";
import { EXAMPLE_STATUS } from "../openapi/examples";
import { documented } from "../openapi/route";
import { StatusSchema } from "../openapi/schemas";

/** `GET /v1/status`: configured and live pace, backlog and its ETA, in-flight sends, recent results. */
export const status = new Hono<RelayEnv>();

status.get(
  "/",
  documented({
    operationId: "getStatus",
    tag: "Operations",
    summary: "Live pace, backlog and results",
    description:
      "What the dashboard shows: configured and live pace, requests per second over the last minutes, the " +
      "backlog and its ETA, sends in flight, results by code and exceed-limit adaptations. A caller key sees its own " +
      "figures (its backlog, its requests and their results, its entry in `callers`, its jobs) beside the pace, the " +
      "hold (without who paused) and the storage that every caller shares; an admin key sees every caller's, and the settings (`relay`).",
    auth: "bearer",
    responses: {
      200: {
        description: "The relay's live figures.",
        schema: StatusSchema,
        examples: { busy: { summary: "Sending a large job (admin key)", value: EXAMPLE_STATUS } },
      },
    },
    problems: ["unauthorized", "not-configured", "internal-error"],
  }),
  bearerAuth(),
  async (c) => {
    const { caller, runtime } = c.var;
    const live = await c.var.dispatcher.status(caller.admin ? null : caller.owner);
    return c.json(caller.admin ? { relay: describeConfig(runtime.config), ...live } : live);
  },
);
