import { createMiddleware } from "hono/factory";
import type { RelayEnv } from "../../env";
import { problem } from "../../problem";

/** True for `application/json` or `application/*+json`, with or without parameters such as `charset=UTF-8`. */
export function isJsonContentType(header: string | undefined): boolean {
  const type = header?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json" || (type?.startsWith("application/") === true && type.endsWith("+json"));
}

/** 415 `unsupported-media-type` unless the body is declared JSON (checked before it is read). */
export const jsonContentType = () =>
  createMiddleware<RelayEnv>(async (c, next) => {
    if (!isJsonContentType(c.req.header("content-type"))) {
      return problem(c, "unsupported-media-type", "Send the body as `Content-Type: application/json`.");
    }
    await next();
  });
