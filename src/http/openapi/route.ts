/**
 * Documentation at registration: `documented(doc)` is the middleware a route is registered with. It
 * hands hono-openapi the operation (so the document is built from the app's own routes) and keeps the
 * zod schemas, so tests can parse real answers with exactly what the route declares.
 */
import type { Hono, MiddlewareHandler } from "hono";
import { describeRoute, resolver } from "hono-openapi";
import { findTargetHandler } from "hono/utils/handler";
import type * as z from "zod/mini";
import { PROBLEMS, problemBody, type ProblemCode } from "../problem";
import { PROBLEM_EXAMPLES } from "./examples";

/** A response header the document defines once under `components.headers`. */
export type HeaderName = "Location" | "Idempotent-Replayed" | "Preference-Applied" | "Retry-After" | "WWW-Authenticate";

type Examples = Record<string, { summary: string; value: unknown }>;

/** A documented success answer: a JSON body with its schema, or a page of a media type. */
export type SuccessDoc =
  | { description: string; schema: z.ZodMiniType; headers?: HeaderName[]; examples?: Examples }
  | { description: string; mediaType: "text/html" };

/** Everything said about one route, next to its registration. */
export interface RouteDoc {
  operationId: string;
  tag: "Notifications" | "Sources" | "Operations" | "Operator pages";
  summary: string;
  description: string;
  /**
   * `caller`: a bearer key or (submit only) a webhook signature; `bearer`: a bearer key; `source`: the
   * source's provider's signature; `public`: none.
   */
  auth: "caller" | "bearer" | "source" | "public";
  parameters?: ("IdempotencyKey" | "Prefer" | "JobId" | "SourceName")[];
  /** `required: false` for an optional body (default true). */
  requestBody?: { schema: z.ZodMiniType; examples: Examples; required?: boolean };
  responses: Record<number, SuccessDoc>;
  /** Every problem `code` the route can answer with; grouped by HTTP status in the document. */
  problems: ProblemCode[];
}

const ROUTE_DOC = Symbol("route-doc");
const SECURITY = {
  caller: [{ bearerAuth: [] }, { webhookId: [], webhookTimestamp: [], webhookSignature: [] }],
  bearer: [{ bearerAuth: [] }],
  source: [
    { shopifyHmac: [] },
    { stripeSignature: [] },
    { wooCommerceSignature: [] },
    { webhookId: [], webhookTimestamp: [], webhookSignature: [] },
  ],
  public: [],
} as const;

/** Headers a problem code comes with. */
const PROBLEM_HEADERS: Partial<Record<ProblemCode, HeaderName[]>> = {
  unauthorized: ["WWW-Authenticate"],
  "invalid-signature": ["WWW-Authenticate"],
  "backlog-full": ["Retry-After"],
  unavailable: ["Retry-After"],
};

/** The middleware that documents a route where it is registered. */
export function documented(doc: RouteDoc): MiddlewareHandler {
  const responses: Record<string, unknown> = {};
  for (const [status, success] of Object.entries(doc.responses)) {
    if ("mediaType" in success) {
      responses[status] = {
        description: success.description,
        content: { [success.mediaType]: { schema: { type: "string" } } },
      };
      continue;
    }
    responses[status] = {
      description: success.description,
      ...(success.headers ? { headers: headerRefs(success.headers) } : {}),
      content: {
        "application/json": {
          schema: resolver(success.schema, OUTPUT),
          ...(success.examples ? { examples: success.examples } : {}),
        },
      },
    };
  }
  for (const [status, codes] of problemsByStatus(doc.problems)) {
    if (responses[status]) throw new Error(`${doc.operationId}: ${status} is both a success and a problem`);
    responses[status] = problemResponse(codes);
  }
  const operation = {
    operationId: doc.operationId,
    tags: [doc.tag],
    summary: doc.summary,
    description: doc.description,
    security: SECURITY[doc.auth],
    ...(doc.parameters
      ? { parameters: doc.parameters.map((name) => ({ $ref: `#/components/parameters/${name}` })) }
      : {}),
    ...(doc.requestBody
      ? {
          requestBody: {
            required: doc.requestBody.required ?? true,
            content: {
              "application/json": { schema: resolver(doc.requestBody.schema), examples: doc.requestBody.examples },
            },
          },
        }
      : {}),
    responses,
  };
  return Object.assign(describeRoute(operation as unknown as Parameters<typeof describeRoute>[0]), {
    [ROUTE_DOC]: doc,
  });
}

// Answers are described as the relay produces them (zod's output side); zod spells out ±(2^53 − 1) on
// every integer and a long pattern next to `format: date-time`, which a reader does not need.
const OUTPUT = { options: { io: "output", override: tidy } } as const;

function tidy(ctx: { jsonSchema: Record<string, unknown> }): void {
  const schema = ctx.jsonSchema;
  if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
  if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
  if (schema.format === "date-time") delete schema.pattern;
}

/** Every documented route of `app`: method, OpenAPI path and what its registration says. */
export function routeDocs(app: { routes: Hono["routes"] }): { method: string; path: string; doc: RouteDoc }[] {
  return app.routes.flatMap((route) => {
    const doc = (findTargetHandler(route.handler) as { [ROUTE_DOC]?: RouteDoc })[ROUTE_DOC];
    return doc ? [{ method: route.method.toLowerCase(), path: route.path.replace(/:([A-Za-z]+)/g, "{$1}"), doc }] : [];
  });
}

/** One response for all the codes sharing a status: `code` narrowed to them, an example of each. */
function problemResponse(codes: ProblemCode[]) {
  const headers = [...new Set(codes.flatMap((code) => PROBLEM_HEADERS[code] ?? []))];
  const examples: Examples = {};
  for (const code of codes) {
    const example = PROBLEM_EXAMPLES[code];
    examples[code] = { summary: PROBLEMS[code].title, value: problemBody(code, example.detail, example.extra) };
  }
  return {
    description: codes.map((code) => `\`${code}\`: ${PROBLEMS[code].title}.`).join(" "),
    ...(headers.length ? { headers: headerRefs(headers) } : {}),
    content: {
      "application/problem+json": {
        schema: { $ref: "#/components/schemas/Problem", properties: { code: { enum: codes } } },
        examples,
      },
    },
  };
}

/** Problem codes grouped by their HTTP status, in ascending status order. */
export function problemsByStatus(codes: readonly ProblemCode[]): [string, ProblemCode[]][] {
  const groups = new Map<number, ProblemCode[]>();
  for (const code of codes) {
    const status = PROBLEMS[code].status;
    groups.set(status, [...(groups.get(status) ?? []), code]);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([status, list]) => [String(status), list]);
}

function headerRefs(names: HeaderName[]): Record<string, { $ref: string }> {
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}
