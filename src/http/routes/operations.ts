/** `POST /v1/pause` and `POST /v1/resume`: an operator holds or releases all sending for the clientId. */
import { Hono } from "hono";
import * as z from "zod/mini";
import type { RelayEnv } from "../env";
import { adminOnly, bearerAuth } from "../middleware/auth";
import { documented } from "../openapi/route";
import { HoldSchema } from "../openapi/schemas";
import { problem } from "../problem";

/** Longest pause reason kept, in characters: it is shown on the status page and /healthz. */
const MAX_REASON_LENGTH = 500;

/** The optional body of `POST /v1/pause`. */
export const PauseBodySchema = z
  .strictObject({
    reason: z.optional(
      z
        .string()
        .check(z.minLength(1), z.maxLength(MAX_REASON_LENGTH), z.describe("Why; shown with who paused and when.")),
    ),
  })
  .check(z.describe("Optional; an empty body pauses with a generic reason."));

z.globalRegistry.add(PauseBodySchema, { id: "PauseBody" });

const PausedSchema = z.strictObject({ hold: z.nullable(HoldSchema) });

/** The operator controls. */
export const operations = new Hono<RelayEnv>();

operations.post(
  "/pause",
  documented({
    operationId: "pauseSending",
    tag: "Operations",
    summary: "Pause all sending (admin)",
    description:
      "Holds every send to AlipayHK for this clientId until `POST /v1/resume`; accepted work still queues and " +
      "deadlines (`expiresAt`) still pass. `/v1/status` shows the hold with the reason, who paused (the admin " +
      "key's owner id, never the key) and when; `/healthz` says `degraded`. Admin keys only.",
    auth: "bearer",
    requestBody: {
      schema: PauseBodySchema,
      required: false,
      examples: { reason: { summary: "With a reason", value: { reason: "wrong template in job_…" } } },
    },
    responses: { 200: { description: "Sending is held.", schema: PausedSchema } },
    problems: ["invalid-request", "malformed-json", "unauthorized", "forbidden", "not-configured", "internal-error"],
  }),
  bearerAuth(),
  adminOnly(),
  async (c) => {
    const text = await c.req.text();
    let json: unknown = {};
    if (text.trim() !== "") {
      try {
        json = JSON.parse(text);
      } catch (error) {
        return problem(c, "malformed-json", error instanceof SyntaxError ? error.message : "The body is not JSON.");
      }
    }
    const body = PauseBodySchema.safeParse(json);
    if (!body.success) {
      const errors = body.error.issues.map((i) => ({ field: i.path.join(".") || "(body)", problem: i.message }));
      return problem(c, "invalid-request", "The pause body is not valid.", { errors });
    }
    const { caller, dispatcher } = c.var;
    await dispatcher.pause(body.data.reason ?? "paused by an operator", caller.owner);
    return c.json({ hold: (await dispatcher.status(null)).hold });
  },
);

operations.post(
  "/resume",
  documented({
    operationId: "resumeSending",
    tag: "Operations",
    summary: "Resume sending (admin)",
    description:
      "Lifts an operator's pause (or an open circuit breaker): sending resumes at the pace. Admin keys only.",
    auth: "bearer",
    responses: { 200: { description: "Sending flows (`hold` is null).", schema: PausedSchema } },
    problems: ["unauthorized", "forbidden", "not-configured", "internal-error"],
  }),
  bearerAuth(),
  adminOnly(),
  async (c) => {
    const { dispatcher } = c.var;
    await dispatcher.resume();
    return c.json({ hold: (await dispatcher.status(null)).hold });
  },
);
