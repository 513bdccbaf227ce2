import { createMiddleware } from "hono/factory";
import type { RelayEnv } from "../../env";
import { problem } from "../../problem";

/** What an `Idempotency-Key` may be: 1 to 255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Sets `c.var.idempotencyKey` from the header; 400 `invalid-idempotency-key` when it is malformed. */
export const idempotencyKey = () =>
  createMiddleware<RelayEnv>(async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
      return problem(c, "invalid-idempotency-key", "Idempotency-Key must be 1 to 255 visible ASCII characters.");
    }
    c.set("idempotencyKey", key);
    await next();
  });
