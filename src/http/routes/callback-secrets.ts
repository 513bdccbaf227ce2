/** `GET /v1/callback-secrets`: the secrets a caller's receivers verify its completion callbacks with. */
import { Hono } from "hono";
import { callerCallbackSecrets } from "../../security/callback-secret";
import { OWNER_PATTERN } from "../../security/owner";
import type { RelayEnv } from "../env";
import { bearerAuth } from "../middleware/auth";
import { EXAMPLE_CALLBACK_SECRETS } from "../openapi/examples";
import { documented } from "../openapi/route";
import { CallbackSecretsSchema } from "../openapi/schemas";
import { problem } from "../problem";

/** The route. */
export const callbackSecrets = new Hono<RelayEnv>();

callbackSecrets.get(
  "/",
  documented({
    operationId: "getCallbackSecrets",
    tag: "Notifications",
    summary: "The secrets that sign your completion callbacks",
    description:
      "Each caller's callbacks are signed with secrets derived for that caller alone from RELAY_CALLBACK_SECRET " +
      '(`HMAC-SHA256(secret, "callback/" + owner)`, as `whsec_` + base64), so one caller\'s receivers can neither ' +
      "verify nor forge another's. One secret per RELAY_CALLBACK_SECRET entry: while the operator rotates it there " +
      "are two, every callback carries a signature by each, and a receiver may switch to the new one at its own " +
      "pace. An admin key may ask for another caller's with `owner` (e.g. `caller:webhook` for the Standard " +
      "Webhooks signer, which has no bearer key). The answer is never cached.",
    auth: "bearer",
    parameters: ["Owner"],
    responses: {
      200: {
        description: "The caller's callback secrets.",
        schema: CallbackSecretsSchema,
        examples: {
          rotating: { summary: "While RELAY_CALLBACK_SECRET is being rotated", value: EXAMPLE_CALLBACK_SECRETS },
        },
      },
    },
    problems: ["invalid-request", "unauthorized", "forbidden", "not-configured", "internal-error"],
  }),
  bearerAuth(),
  async (c) => {
    const { caller, runtime } = c.var;
    const asked = c.req.query("owner");
    if (asked !== undefined && asked !== caller.owner) {
      if (!caller.admin)
        return problem(c, "forbidden", "Another caller's callback secrets need an admin key (RELAY_ADMIN_KEYS).");
      if (!OWNER_PATTERN.test(asked)) {
        const errors = [
          {
            field: "owner",
            problem: "must be an owner id such as caller:webhook, caller:<name> or key:<64 hex digits>",
          },
        ];
        return problem(c, "invalid-request", "The owner query parameter is not an owner id.", { errors });
      }
    }
    const owner = asked ?? caller.owner;
    c.header("Cache-Control", "no-store");
    return c.json({ owner, secrets: callerCallbackSecrets(runtime.config.callbackSecret ?? [], owner) });
  },
);
