import { Hono } from "hono";
import type { RelayEnv } from "../env";
import { buildOpenApiDocument, type OpenApiDocument } from "../openapi";

let document: OpenApiDocument | undefined;

/** The document, built once per isolate (it depends on nothing but the code). */
export function openApiDocument(): OpenApiDocument {
  document ??= buildOpenApiDocument();
  return document;
}

/** `GET /openapi.json`: the OpenAPI 3.1 document of the relay. Public: it holds no data. */
export const openapi = new Hono<RelayEnv>();

openapi.get("/openapi.json", (c) => {
  c.header("Cache-Control", "no-cache");
  c.header("Access-Control-Allow-Origin", "*");
  return c.json(openApiDocument());
});
