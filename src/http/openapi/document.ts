/**
 * The OpenAPI 3.1 document, built from the routes' own `documented(...)` registrations (route.ts) and
 * the zod schemas they name; this file adds only what no single route owns: credentials, shared
 * parameters and headers, the Problem schema, and the two pages served as files (`/openapi.json` and
 * `/docs`, written by scripts/build-pages.ts). Build time and tests only: the deployed Worker serves the
 * written file and carries none of this.
 */
import type { Hono } from "hono";
import * as z from "zod/mini";
import { SOURCE_NAME } from "../../sources/declaration";
import type { RelayEnv } from "../env";
import { OWNER_PATTERN } from "../../security/owner";
import { PROBLEMS, problemBody, type ProblemCode } from "../problem";
import { PROBLEM_EXAMPLES } from "./examples";
import { type DocumentedRoute, type Examples, type HeaderName, type RouteDoc, routeDocs } from "./route";
import { ProblemSchema } from "./schemas";

/** The document as served (a plain JSON object). */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
  tags: { name: string; description: string }[];
  components: Record<string, Record<string, unknown>> & { schemas: Record<string, unknown> };
  paths: Record<string, Record<string, unknown>>;
}

const DESCRIPTION = [
  "Relays notifications to AlipayHK's `alipay.intl.user.inform.delegateSendNotification`: it validates them, " +
    "packs them into requests of up to 100 assembled at each pacing slot from every caller's due work, signs every " +
    "request with the merchant's RSA key, sends no faster than " +
    "the client's quota (ALIPAY_MAX_RPS), verifies AlipayHK's signed answers, retries what is safe to retry and " +
    "reports the outcome of every notification.",
  "Authenticate with `Authorization: Bearer <key>`: a caller's key (RELAY_API_KEYS) sees its own jobs, an operator's " +
    "key (RELAY_ADMIN_KEYS) every caller's. `POST /v1/notifications` also takes a Standard Webhooks signature " +
    "(`webhook-id`, `webhook-timestamp`, `webhook-signature`, with RELAY_WEBHOOK_SECRET); reads need a bearer key.",
  "Errors are RFC 9457 `application/problem+json` with a stable `code`; every route lists the codes it can " +
    "answer with. A path that does not exist answers 404 `not-found`. The live dashboard is at `/dashboard`.",
].join("\n\n");

const COMPONENTS = {
  securitySchemes: {
    bearerAuth: {
      type: "http",
      scheme: "bearer",
      description: "One of RELAY_API_KEYS (own jobs) or RELAY_ADMIN_KEYS (all jobs).",
    },
    metricsAuth: {
      type: "http",
      scheme: "bearer",
      description: "One of RELAY_METRICS_KEYS (metrics only, for a scraper) or RELAY_ADMIN_KEYS.",
    },
    webhookId: {
      type: "apiKey",
      in: "header",
      name: "webhook-id",
      description:
        "Standard Webhooks message id; a repeated id with another body answers 409 `webhook-replayed`. Use with the other two.",
    },
    webhookTimestamp: {
      type: "apiKey",
      in: "header",
      name: "webhook-timestamp",
      description:
        "Standard Webhooks timestamp, in seconds since the Unix epoch; within 5 minutes of the relay's clock.",
    },
    webhookSignature: {
      type: "apiKey",
      in: "header",
      name: "webhook-signature",
      description:
        "`v1,<base64 HMAC-SHA256>` over `{webhook-id}.{webhook-timestamp}.{body}` with RELAY_WEBHOOK_SECRET. " +
        "Several space-separated signatures are allowed. Accepted on `POST /v1/notifications` only (and on a " +
        "source whose provider is `standard`, with that source's secret).",
    },
    shopifyHmac: {
      type: "apiKey",
      in: "header",
      name: "X-Shopify-Hmac-Sha256",
      description:
        "A `shopify` source: base64 HMAC-SHA256 of the raw body under the source's secret (also `shopify-hmac-sha256`).",
    },
    stripeSignature: {
      type: "apiKey",
      in: "header",
      name: "Stripe-Signature",
      description:
        "A `stripe` source: `t=<seconds>,v1=<hex HMAC-SHA256 of t.body>`, within 5 minutes, under the endpoint's whsec_ secret.",
    },
    wooCommerceSignature: {
      type: "apiKey",
      in: "header",
      name: "X-WC-Webhook-Signature",
      description: "A `woocommerce` source: base64 HMAC-SHA256 of the raw body under the webhook's secret.",
    },
  },
  parameters: {
    IdempotencyKey: {
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description:
        "Makes the submit safe to retry: the same key with the same body returns the same job and sends nothing " +
        "again; with a different body the answer is 422 `idempotency-key-reused`.",
      schema: { type: "string", pattern: "^[!-~]{1,255}$" },
      example: "order-2026-11-26-0042",
    },
    Prefer: {
      name: "Prefer",
      in: "header",
      required: false,
      description: "`wait=N` (RFC 7240): wait up to N seconds and answer 200 with the finished job if it completed.",
      schema: { type: "string" },
      example: "wait=10",
    },
    PreferWaitRead: {
      name: "Prefer",
      in: "header",
      required: false,
      description:
        "`wait=N` (RFC 7240): if the job is not completed yet, wait up to N seconds (capped by RELAY_MAX_WAIT_SECONDS) " +
        "for it to complete; the answer is the job as it then stands.",
      schema: { type: "string" },
      example: "wait=30",
    },
    Owner: {
      name: "owner",
      in: "query",
      required: false,
      description:
        "Admin keys only: the caller whose secrets to show, by owner id, e.g. `caller:webhook` (the Standard " +
        "Webhooks signer) or `caller:<name>`. Without it, the credential's own.",
      schema: { type: "string", pattern: OWNER_PATTERN.source },
      example: "caller:webhook",
    },
    SourceName: {
      name: "name",
      in: "path",
      required: true,
      description: "A source's name, as declared in RELAY_SOURCES (e.g. `shopify`).",
      schema: { type: "string", pattern: SOURCE_NAME.source },
    },
    JobId: {
      name: "jobId",
      in: "path",
      required: true,
      description: "The `jobId` of the 202 answer.",
      schema: { $ref: "#/components/schemas/JobId" },
    },
  },
  headers: {
    Location: {
      description: "Where the job can be read: `/v1/notifications/{jobId}`.",
      schema: { type: "string", format: "uri-reference" },
    },
    "Idempotent-Replayed": {
      description:
        "`true` when the Idempotency-Key matched an earlier job: that job is returned and nothing is sent again.",
      schema: { type: "string", const: "true" },
    },
    "Preference-Applied": {
      description: "`wait=N` (RFC 7240) when `Prefer: wait` was honoured; N is capped by RELAY_MAX_WAIT_SECONDS.",
      schema: { type: "string", examples: ["wait=10"] },
    },
    "Retry-After": {
      description: "Seconds to wait before retrying (RFC 9110).",
      schema: { type: "integer", minimum: 0 },
    },
    "WWW-Authenticate": {
      description: '`Bearer` (RFC 6750); on a source\'s `invalid-signature`, `Signature realm="<source>"`.',
      schema: { type: "string", examples: ["Bearer", 'Signature realm="shopify"'] },
    },
  },
};

/**
 * The routes served as files rather than by the app: this document and its HTML rendering. Declared
 * here, beside the document they belong to; scripts/build-pages.ts writes both into `public/`.
 */
export const PAGE_ROUTES: DocumentedRoute[] = [
  {
    method: "get",
    path: "/openapi.json",
    doc: {
      operationId: "getOpenApiDocument",
      tag: "Operator pages",
      summary: "This OpenAPI 3.1 document",
      description:
        "Generated at build time from the routes' own registrations and the schemas that validate, so it cannot drift from them; served as a file.",
      auth: "public",
      responses: { 200: { description: "The document.", schema: z.record(z.string(), z.unknown()) } },
      problems: [],
    },
  },
  {
    method: "get",
    path: "/docs",
    doc: {
      operationId: "getReference",
      tag: "Operator pages",
      summary: "API reference page",
      description: "This document rendered as HTML at build time (hono/jsx); no external asset. Served as a file.",
      auth: "public",
      responses: { 200: { description: "The reference.", mediaType: "text/html" } },
      problems: [],
    },
  },
];

const SECURITY = {
  caller: [{ bearerAuth: [] }, { webhookId: [], webhookTimestamp: [], webhookSignature: [] }],
  bearer: [{ bearerAuth: [] }],
  metrics: [{ metricsAuth: [] }],
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
  "callbacks-pending": ["Retry-After"],
  "webhooks-busy": ["Retry-After"],
  unavailable: ["Retry-After"],
  "storage-full": ["Retry-After"],
};

const built = new WeakMap<object, OpenApiDocument>();

/** The relay's document from `app`'s routes and the page routes, built once per app. */
export function openApiDocument(app: Hono<RelayEnv>): OpenApiDocument {
  let document = built.get(app);
  if (!document) {
    document = build([...routeDocs(app), ...PAGE_ROUTES]);
    built.set(app, document);
  }
  return document;
}

function build(routes: DocumentedRoute[]): OpenApiDocument {
  const schemas: Record<string, unknown> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, path, doc } of routes) (paths[path] ??= {})[method] = operationOf(doc, schemas);
  reference(ProblemSchema, "output", schemas);
  return {
    openapi: "3.1.0",
    info: { title: "alipay-notify-relay", version: "1", description: DESCRIPTION },
    servers: [{ url: "/", description: "This relay" }],
    tags: [
      { name: "Notifications", description: "Submit notifications and follow their jobs." },
      {
        name: "Sources",
        description: "Storefront webhooks (Shopify, Stripe, WooCommerce, Standard Webhooks) turned into notifications.",
      },
      { name: "Operations", description: "Health and live figures for operators." },
      { name: "Operator pages", description: "This document and its HTML rendering." },
    ],
    components: { ...COMPONENTS, schemas: sorted(schemas) },
    paths,
  };
}

/** One operation of the document, from what its registration says. */
function operationOf(doc: RouteDoc, schemas: Record<string, unknown>): Record<string, unknown> {
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
          schema: reference(success.schema, "output", schemas),
          ...(success.examples ? { examples: success.examples } : {}),
        },
      },
    };
  }
  for (const [status, codes] of problemsByStatus(doc.problems)) {
    if (responses[status]) throw new Error(`${doc.operationId}: ${status} is both a success and a problem`);
    responses[status] = problemResponse(codes);
  }
  return {
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
              "application/json": {
                schema: reference(doc.requestBody.schema, "input", schemas),
                examples: doc.requestBody.examples,
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/**
 * The JSON Schema of `schema` for the document: a `$ref` when it is a registered component (its
 * definition, and those of the components it names, added to `schemas`), else the schema inline.
 * Answers are described as the relay produces them (`output`), bodies as callers send them (`input`).
 */
function reference(schema: z.ZodMiniType, io: "input" | "output", schemas: Record<string, unknown>): unknown {
  const converted = z.toJSONSchema(schema, {
    io,
    target: "draft-2020-12",
    metadata: z.globalRegistry,
    override: tidy,
    reused: "inline",
  }) as Record<string, unknown>;
  const {
    $schema: _dialect,
    $defs,
    id,
    ...root
  } = converted as { $defs?: Record<string, unknown>; id?: string } & Record<string, unknown>;
  for (const [name, definition] of Object.entries($defs ?? {})) schemas[name] ??= lifted(definition);
  if (typeof id !== "string") return lifted(root);
  schemas[id] ??= lifted(root);
  return { $ref: `#/components/schemas/${id}` };
}

// zod spells out ±(2^53 − 1) on every integer and a long pattern next to `format: date-time`, which a
// reader does not need.
function tidy(ctx: { jsonSchema: Record<string, unknown> }): void {
  const schema = ctx.jsonSchema;
  if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
  if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
  if (schema.format === "date-time") delete schema.pattern;
}

// A definition's references to other definitions point at the document's components.
function lifted(definition: unknown): unknown {
  return JSON.parse(JSON.stringify(definition).replaceAll('"#/$defs/', '"#/components/schemas/'));
}

function sorted(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
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
