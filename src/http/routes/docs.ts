import { Hono } from "hono";
import { renderReference } from "../docs/reference";
import type { RelayEnv } from "../env";
import { PAGE_HEADERS } from "../pages/html";
import { openApiDocument } from "./openapi";

let page: string | undefined;

/** `GET /docs`: the API reference, rendered from the OpenAPI document on the server. */
export const docs = new Hono<RelayEnv>();

docs.get("/docs", (c) => {
  page ??= renderReference(openApiDocument());
  return c.html(page, 200, PAGE_HEADERS);
});
