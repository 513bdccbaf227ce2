/**
 * The OpenAPI 3.1 document of the relay, generated from the zod schemas that validate requests and
 * describe responses (`z.toJSONSchema`, JSON Schema 2020-12, which is OpenAPI 3.1's schema dialect) and
 * from the route table in `openapi-operations.ts`. Nothing in it is a hand-kept copy of a schema.
 */
import { z } from "zod";
import { NotificationInputSchema, TemplateValueSchema } from "../core/notification";
import { OPERATIONS, PROBLEM_EXAMPLES, type HeaderName, type Operation, type SuccessResponse } from "./openapi-operations";
import { PROBLEMS, problemBody, type ProblemCode } from "./problem";
import {
  BatchViewSchema,
  ConfigErrorSchema,
  ConfigSummarySchema,
  HealthMisconfiguredSchema,
  HealthOkSchema,
  JobIdSchema,
  JobStatusSchema,
  JobViewSchema,
  ProblemSchema,
  RequestErrorSchema,
  StatusSchema,
  SubmitAcceptedSchema,
} from "./response-schemas";
import { SubmitBodySchema } from "./schemas";

/** A JSON Schema (2020-12) object as it appears in the document. */
export type JsonSchema = { [keyword: string]: unknown };

/** The parts of an OpenAPI 3.1 document this relay produces (and `/docs` renders). */
export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<Operation["method"], OperationObject>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, { type: string; description: string; scheme?: string; in?: string; name?: string }>;
    parameters: Record<string, ParameterObject>;
    headers: Record<string, { description: string; schema: JsonSchema }>;
  };
}

/** One operation of `paths`. */
export interface OperationObject {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  security: Record<string, string[]>[];
  parameters?: { $ref: string }[];
  requestBody?: { required: true; content: Record<string, MediaTypeObject> };
  responses: Record<string, ResponseObject>;
}

/** A response: description, headers by reference, content by media type. */
export interface ResponseObject {
  description: string;
  headers?: Record<string, { $ref: string }>;
  content: Record<string, MediaTypeObject>;
}

/** A media type's schema and named examples. */
export interface MediaTypeObject {
  schema: JsonSchema;
  examples?: Record<string, { summary: string; value: unknown }>;
}

/** A header or path parameter. */
export interface ParameterObject {
  name: string;
  in: "header" | "path";
  required: boolean;
  description: string;
  schema: JsonSchema;
  example?: string;
}

const SCHEMAS = "#/components/schemas/";

// Requests are described as callers may write them (zod's input side), answers as the relay produces them.
const requestSchemas = z.registry<{ id: string }>();
requestSchemas.add(SubmitBodySchema, { id: "SubmitBody" });
requestSchemas.add(NotificationInputSchema, { id: "NotificationInput" });
requestSchemas.add(TemplateValueSchema, { id: "TemplateValue" });

const responseSchemas = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries({
  SubmitAccepted: SubmitAcceptedSchema,
  JobView: JobViewSchema,
  BatchView: BatchViewSchema,
  JobId: JobIdSchema,
  JobStatus: JobStatusSchema,
  Status: StatusSchema,
  ConfigSummary: ConfigSummarySchema,
  HealthOk: HealthOkSchema,
  HealthMisconfigured: HealthMisconfiguredSchema,
  ConfigError: ConfigErrorSchema,
  Problem: ProblemSchema,
  RequestError: RequestErrorSchema,
})) {
  responseSchemas.add(schema, { id });
}

/** Response headers, defined once. */
const HEADERS: Record<HeaderName, { description: string; schema: JsonSchema }> = {
  Location: {
    description: "Where the job can be read: `/v1/notifications/{jobId}`.",
    schema: { type: "string", format: "uri-reference" },
  },
  "Idempotent-Replayed": {
    description: "`true` when the Idempotency-Key matched an earlier job: that job is returned and nothing is sent again.",
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
  "WWW-Authenticate": { description: "`Bearer` (RFC 6750).", schema: { type: "string", const: "Bearer" } },
};

/** Headers a problem code comes with. */
const PROBLEM_HEADERS: Partial<Record<ProblemCode, HeaderName[]>> = {
  unauthorized: ["WWW-Authenticate"],
  "backlog-full": ["Retry-After"],
  unavailable: ["Retry-After"],
};

const CALLER_SECURITY: Record<string, string[]>[] = [{ bearerAuth: [] }, { webhookId: [], webhookTimestamp: [], webhookSignature: [] }];

const DESCRIPTION = [
  "Relays notifications to AlipayHK's `alipay.intl.user.inform.delegateSendNotification`: it validates them, " +
    "packs them into batches of at most 100, signs every request with the merchant's RSA key, sends no faster than " +
    "the client's quota (ALIPAY_MAX_RPS), verifies AlipayHK's signed answers, retries what is safe to retry and " +
    "reports the outcome of every notification.",
  "Authenticate with `Authorization: Bearer <key>` (RELAY_API_KEYS) or a Standard Webhooks signature " +
    "(`webhook-id`, `webhook-timestamp`, `webhook-signature`, with RELAY_WEBHOOK_SECRET). Jobs are visible only to " +
    "the credentials that created them.",
  "Errors are RFC 9457 `application/problem+json` with a stable `code`; every route lists the codes it can " +
    "answer with. A path that does not exist answers 404 `not-found`.",
].join("\n\n");

/** Builds the relay's OpenAPI 3.1 document. Pure: the same document on every call. */
export function buildOpenApiDocument(): OpenApiDocument {
  const paths: OpenApiDocument["paths"] = {};
  for (const operation of OPERATIONS) {
    (paths[operation.path] ??= {})[operation.method] = operationObject(operation);
  }
  return {
    openapi: "3.1.0",
    info: { title: "alipay-notify-relay", version: "1", description: DESCRIPTION },
    servers: [{ url: "/", description: "This relay" }],
    tags: [
      { name: "Notifications", description: "Submit notifications and follow their jobs." },
      { name: "Operations", description: "Health and live figures for operators." },
      { name: "Operator pages", description: "This document, its HTML rendering and the live dashboard." },
    ],
    paths,
    components: {
      schemas: { ...componentSchemas(requestSchemas, "input"), ...componentSchemas(responseSchemas, "output") },
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "One of the keys in RELAY_API_KEYS." },
        webhookId: {
          type: "apiKey",
          in: "header",
          name: "webhook-id",
          description: "Standard Webhooks message id; a repeated id answers 409 `webhook-replayed`. Use with the other two.",
        },
        webhookTimestamp: {
          type: "apiKey",
          in: "header",
          name: "webhook-timestamp",
          description: "Standard Webhooks timestamp, in seconds since the Unix epoch; within 5 minutes of the relay's clock.",
        },
        webhookSignature: {
          type: "apiKey",
          in: "header",
          name: "webhook-signature",
          description:
            "`v1,<base64 HMAC-SHA256>` over `{webhook-id}.{webhook-timestamp}.{body}` with RELAY_WEBHOOK_SECRET " +
            "(the body is empty for GET). Several space-separated signatures are allowed.",
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
        JobId: {
          name: "jobId",
          in: "path",
          required: true,
          description: "The `jobId` of the 202 answer.",
          schema: { $ref: `${SCHEMAS}JobId` },
        },
      },
      headers: HEADERS,
    },
  };
}

function operationObject(operation: Operation): OperationObject {
  const responses: Record<string, ResponseObject> = {};
  for (const [status, response] of Object.entries(operation.responses)) responses[status] = successResponse(response);
  for (const [status, codes] of problemsByStatus(operation.problems)) {
    if (responses[status]) throw new Error(`${operation.operationId}: ${status} is both a success and a problem`);
    responses[status] = problemResponse(codes);
  }
  return {
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    description: operation.description,
    security: operation.auth === "caller" ? CALLER_SECURITY : [],
    ...(operation.parameters ? { parameters: operation.parameters.map((name) => ({ $ref: `#/components/parameters/${name}` })) } : {}),
    ...(operation.requestBody
      ? {
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: schemaRef(operation.requestBody.schema, requestSchemas, "input"),
                examples: operation.requestBody.examples,
              },
            },
          },
        }
      : {}),
    responses,
  };
}

function successResponse(response: SuccessResponse): ResponseObject {
  if ("mediaType" in response) {
    return { description: response.description, content: { [response.mediaType]: { schema: { type: "string" } } } };
  }
  return {
    description: response.description,
    ...(response.headers ? { headers: headerRefs(response.headers) } : {}),
    content: {
      "application/json": {
        schema: schemaRef(response.schema, responseSchemas, "output"),
        ...(response.examples ? { examples: response.examples } : {}),
      },
    },
  };
}

/** One response for all the codes sharing a status: `code` narrowed to them, an example of each. */
function problemResponse(codes: ProblemCode[]): ResponseObject {
  const headers = [...new Set(codes.flatMap((code) => PROBLEM_HEADERS[code] ?? []))];
  const examples: Record<string, { summary: string; value: unknown }> = {};
  for (const code of codes) {
    const example = PROBLEM_EXAMPLES[code];
    examples[code] = { summary: PROBLEMS[code].title, value: problemBody(code, example.detail, example.extra) };
  }
  return {
    description: codes.map((code) => `\`${code}\`: ${PROBLEMS[code].title}.`).join(" "),
    ...(headers.length ? { headers: headerRefs(headers) } : {}),
    content: {
      "application/problem+json": {
        schema: { $ref: `${SCHEMAS}Problem`, properties: { code: { enum: codes } } },
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

type Registry = z.core.$ZodRegistry<{ id: string }>;

/** A `$ref` to a registered schema, or the schema inlined when it is not a component. */
function schemaRef(schema: z.ZodType, registry: Registry, io: "input" | "output"): JsonSchema {
  const id = registry.get(schema)?.id;
  return id ? { $ref: `${SCHEMAS}${id}` } : stripDialect(z.toJSONSchema(schema, { io, override: tidy }) as JsonSchema);
}

function componentSchemas(registry: Registry, io: "input" | "output"): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `${SCHEMAS}${id}`, override: tidy }) as {
    schemas: Record<string, JsonSchema>;
  };
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, stripDialect(schema)]));
}

// A component lives inside the document: OpenAPI 3.1 supplies the dialect, and zod's fragment-only
// `$id` would not be a valid base URI.
function stripDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

// zod spells out bounds a reader does not need: ±(2^53 − 1) on every integer and a long pattern next to
// `format: date-time`. Both still hold in the zod schemas that validate.
function tidy(ctx: { jsonSchema: JsonSchema }): void {
  const schema = ctx.jsonSchema;
  if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
  if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
  if (schema.format === "date-time") delete schema.pattern;
}
