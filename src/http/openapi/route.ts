/**
 * Documentation at registration: `documented(doc)` is the middleware a route is registered with. At run
 * time it only lets the request through; it carries the route's `RouteDoc`, from which the OpenAPI
 * document is built at build time (document.ts, scripts/build-pages.ts), and whose zod schemas tests
 * parse real answers with. Nothing that turns a schema into JSON Schema is in the deployed Worker.
 */
import type { Hono, MiddlewareHandler } from "hono";
import { findTargetHandler } from "hono/utils/handler";
import type * as z from "zod/mini";
import type { ProblemCode } from "../problem";

/** A response header the document defines once under `components.headers`. */
export type HeaderName = "Location" | "Idempotent-Replayed" | "Preference-Applied" | "Retry-After" | "WWW-Authenticate";

/** Named examples of a body. */
export type Examples = Record<string, { summary: string; value: unknown }>;

/** A documented success answer: a JSON body with its schema, or a page of a media type. */
export type SuccessDoc =
  | { description: string; schema: z.ZodMiniType; headers?: HeaderName[]; examples?: Examples }
  | { description: string; mediaType: "text/html" | "text/plain" };

/** Everything said about one route, next to its registration. */
export interface RouteDoc {
  operationId: string;
  tag: "Notifications" | "Sources" | "Operations" | "Operator pages";
  summary: string;
  description: string;
  /**
   * `caller`: a bearer key or (submit only) a webhook signature; `bearer`: a bearer key; `metrics`: a
   * metrics or admin key; `source`: the source's provider's signature; `public`: none.
   */
  auth: "caller" | "bearer" | "metrics" | "source" | "public";
  parameters?: ("IdempotencyKey" | "Prefer" | "PreferWaitRead" | "JobId" | "Owner" | "SourceName")[];
  /** `required: false` for an optional body (default true). */
  requestBody?: { schema: z.ZodMiniType; examples: Examples; required?: boolean };
  responses: Record<number, SuccessDoc>;
  /** Every problem `code` the route can answer with; grouped by HTTP status in the document. */
  problems: ProblemCode[];
}

/** A documented route: method, OpenAPI path and what its registration says. */
export interface DocumentedRoute {
  method: string;
  path: string;
  doc: RouteDoc;
}

const ROUTE_DOC = Symbol("route-doc");

/** The middleware that documents a route where it is registered (and does nothing else). */
export function documented(doc: RouteDoc): MiddlewareHandler {
  const passThrough: MiddlewareHandler = async (_c, next) => {
    await next();
  };
  return Object.assign(passThrough, { [ROUTE_DOC]: doc });
}

/** Every documented route of `app`. */
export function routeDocs(app: { routes: Hono["routes"] }): DocumentedRoute[] {
  return app.routes.flatMap((route) => {
    const doc = (findTargetHandler(route.handler) as { [ROUTE_DOC]?: RouteDoc })[ROUTE_DOC];
    return doc ? [{ method: route.method.toLowerCase(), path: route.path.replace(/:([A-Za-z]+)/g, "{$1}"), doc }] : [];
  });
}
