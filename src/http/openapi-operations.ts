/**
 * Every public route of the relay, described once: what it takes, what it answers and which problem
 * codes it can return. `buildOpenApiDocument` turns this table into OpenAPI 3.1 and the conformance
 * tests read it to check real responses against the documented schemas.
 */
import { z } from "zod";
import type { ProblemCode } from "./problem";
import {
  HealthMisconfiguredSchema,
  HealthOkSchema,
  JobViewSchema,
  StatusSchema,
  SubmitAcceptedSchema,
} from "./response-schemas";
import { SubmitBodySchema } from "./schemas";

/** A response header the document defines once under `components.headers`. */
export type HeaderName =
  | "Location"
  | "Idempotent-Replayed"
  | "Preference-Applied"
  | "Retry-After"
  | "WWW-Authenticate";

/** A documented success answer: a JSON body with its schema, or a page or asset of a media type. */
export type SuccessResponse =
  | {
      description: string;
      schema: z.ZodType;
      headers?: HeaderName[];
      examples?: Record<string, { summary: string; value: unknown }>;
    }
  | { description: string; mediaType: "text/html" | "text/javascript" | "text/css" };

/** One route as documented. Paths use OpenAPI's `{param}` form. */
export interface Operation {
  method: "get" | "post";
  path: string;
  operationId: string;
  tag: "Notifications" | "Operations" | "Operator pages";
  summary: string;
  description: string;
  /** `caller`: a bearer key or a Standard Webhooks signature; `public`: no credentials. */
  auth: "caller" | "public";
  parameters?: ("IdempotencyKey" | "Prefer" | "JobId")[];
  requestBody?: { schema: z.ZodType; examples: Record<string, { summary: string; value: unknown }> };
  responses: Record<number, SuccessResponse>;
  /** Every problem `code` the route can answer with; grouped by HTTP status in the document. */
  problems: ProblemCode[];
}

/** What every route under /v1 can answer besides its own problems (configuration check, unexpected errors). */
const V1_PROBLEMS: ProblemCode[] = ["not-configured", "internal-error"];

const EXAMPLE_JOB_ID = "job_Vv3mQk1nZ8r2Xc0pLs9TaA";

const bill = (openId: string, bill: string) => ({
  openId,
  templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
  templateValue: { merchantName: "Tea House", redirectUrl: `https://shop.example.hk/bill/${bill}` },
});

const EXAMPLE_JOB = {
  jobId: EXAMPLE_JOB_ID,
  status: "completed",
  merchantId: "2160400000000177",
  total: 2,
  succeeded: 2,
  failed: 0,
  pending: 0,
  createdAt: "2026-11-26T04:08:56.120Z",
  completedAt: "2026-11-26T04:08:56.418Z",
  batches: [
    {
      seq: 0,
      size: 2,
      status: "succeeded",
      attempts: 1,
      reqMsgId: "b6c1f0a46d3e4b7e9a410f3f8c2d5e17",
      resultStatus: "S",
      resultCode: "SUCCESS",
      resultMsg: "success",
    },
  ],
  failures: [],
} satisfies z.input<typeof JobViewSchema>;

const EXAMPLE_SUMMARY = {
  clientId: "211020000000000000044",
  merchantId: "2160400000000177",
  gatewayHost: "open.alipay.hk",
  signAlgorithm: "RSA",
  maxRps: 20,
  apiKeys: 2,
  webhook: true,
  limits: {
    maxNotificationsPerRequest: 10000,
    maxBodyBytes: 16777216,
    maxBacklogBatches: 20000,
    maxInFlight: 64,
    paceGuardMs: 20,
    sendTimeoutMs: 10000,
    maxAttempts: 5,
    retryBaseMs: 1000,
    retryMaxMs: 60000,
    maxWaitSeconds: 60,
    jobRetentionHours: 168,
    breakerProbeSeconds: 30,
    storageCapBytes: 10_000_000_000,
    utcOffsetMinutes: 480,
  },
} as const;

const EXAMPLE_STATUS = {
  relay: EXAMPLE_SUMMARY,
  pace: { configuredRps: 20, liveRps: 18, sentLastSecond: 18, lastExceedAt: "2026-11-26T04:08:41.002Z" },
  backlog: { batches: 42, notifications: 4200, etaSeconds: 3 },
  inFlight: 6,
  results: { SUCCESS: 1180, REQUEST_TRAFFIC_EXCEED_LIMIT: 1 },
  resultWindowSeconds: 300,
  sendsPerSecond: [
    { at: 1795673320000, sends: 20, exceeded: 1 },
    { at: 1795673321000, sends: 18, exceeded: 0 },
  ],
  recentJobs: [
    { jobId: EXAMPLE_JOB_ID, status: "running", total: 10000, succeeded: 5800, failed: 0, createdAt: "2026-11-26T04:08:10.000Z" },
  ],
  adaptations: [{ at: "2026-11-26T04:08:41.002Z", liveRps: 18, reason: "REQUEST_TRAFFIC_EXCEED_LIMIT" }],
  hold: null,
  storage: { bytes: 4_202_496, capBytes: 10_000_000_000 },
} satisfies z.input<typeof StatusSchema>;

/** The relay's public API and operator pages. */
export const OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/v1/notifications",
    operationId: "submitNotifications",
    tag: "Notifications",
    summary: "Queue notifications for AlipayHK",
    description:
      "Validates every notification (all or nothing: one bad element and nothing is queued), packs them into " +
      "batches of at most 100, stores the job durably and answers 202 with `Location`. The relay then sends " +
      "the batches no faster than ALIPAY_MAX_RPS, retries what is safe to retry, and records every outcome.\n\n" +
      "With `Idempotency-Key`, a retry with the same body returns the same job and sends nothing again. " +
      "With `Prefer: wait=N` the answer waits up to N seconds and is 200 with the finished job if it completed.",
    auth: "caller",
    parameters: ["IdempotencyKey", "Prefer"],
    requestBody: {
      schema: SubmitBodySchema,
      examples: {
        objects: {
          summary: "templateValue as objects, default merchant",
          value: { notifications: [bill("2088000000000001", "A-1001"), bill("2088000000000002", "A-1002")] },
        },
        strings: {
          summary: "templateValue as a JSON string, explicit merchant",
          value: {
            merchantId: "2160400000000177",
            notifications: [
              {
                openId: "2088000000000003",
                templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
                templateValue: '{"merchantName":"Tea House","redirectUrl":"https://shop.example.hk/bill/A-1003"}',
              },
            ],
          },
        },
      },
    },
    responses: {
      200: {
        description: "`Prefer: wait` was given and the job completed in time.",
        schema: JobViewSchema,
        headers: ["Location", "Idempotent-Replayed", "Preference-Applied"],
        examples: { completed: { summary: "Both notifications delivered", value: EXAMPLE_JOB } },
      },
      202: {
        description: "Accepted and stored durably; nothing accepted is lost.",
        schema: SubmitAcceptedSchema,
        headers: ["Location", "Idempotent-Replayed", "Preference-Applied"],
        examples: {
          queued: {
            summary: "A job of 250 notifications",
            value: {
              jobId: EXAMPLE_JOB_ID,
              status: "queued",
              total: 250,
              batches: 3,
              estimatedSeconds: 0.15,
              estimatedCompletionAt: "2026-11-26T04:08:56.270Z",
            },
          },
        },
      },
    },
    problems: [
      "invalid-request",
      "malformed-json",
      "invalid-idempotency-key",
      "unauthorized",
      "webhook-replayed",
      "payload-too-large",
      "too-many-notifications",
      "unsupported-media-type",
      "idempotency-key-reused",
      "backlog-full",
      "unavailable",
      ...V1_PROBLEMS,
    ],
  },
  {
    method: "get",
    path: "/v1/notifications/{jobId}",
    operationId: "getJob",
    tag: "Notifications",
    summary: "Read a job's progress and outcome",
    description:
      "Counts, every batch with its latest AlipayHK result, and every failed notification with its reason. " +
      "A job is visible only to the credentials that created it; another caller's job answers 404 like a missing one.",
    auth: "caller",
    parameters: ["JobId"],
    responses: {
      200: {
        description: "The job.",
        schema: JobViewSchema,
        examples: { completed: { summary: "A completed job", value: EXAMPLE_JOB } },
      },
    },
    problems: ["unauthorized", "not-found", ...V1_PROBLEMS],
  },
  {
    method: "get",
    path: "/v1/status",
    operationId: "getStatus",
    tag: "Operations",
    summary: "Live pace, backlog and results",
    description:
      "What the dashboard shows: configured and live pace, requests per second over the last minutes, the " +
      "backlog and its ETA, sends in flight, results by code, recent jobs and exceed-limit adaptations.",
    auth: "caller",
    responses: {
      200: {
        description: "The relay's live figures.",
        schema: StatusSchema,
        examples: { busy: { summary: "Sending a large job", value: EXAMPLE_STATUS } },
      },
    },
    problems: ["unauthorized", ...V1_PROBLEMS],
  },
  {
    method: "get",
    path: "/healthz",
    operationId: "getHealth",
    tag: "Operations",
    summary: "Configuration check",
    description: "Needs no credentials and never shows a secret; names every bad setting so operators can fix it.",
    auth: "public",
    responses: {
      200: {
        description: "Configured.",
        schema: HealthOkSchema,
        examples: { ok: { summary: "Healthy", value: { status: "ok", relay: EXAMPLE_SUMMARY } } },
      },
      503: {
        description: "Misconfigured (`application/json`, not a problem: health checkers read the body as is).",
        schema: HealthMisconfiguredSchema,
        examples: {
          misconfigured: {
            summary: "A missing key",
            value: { status: "misconfigured", errors: [{ setting: "ALIPAY_PRIVATE_KEY", problem: "is required but not set" }] },
          },
        },
      },
    },
    problems: [],
  },
  {
    method: "get",
    path: "/openapi.json",
    operationId: "getOpenApiDocument",
    tag: "Operator pages",
    summary: "This OpenAPI 3.1 document",
    description: "Generated from the schemas that validate requests, so it cannot drift from them.",
    auth: "public",
    responses: { 200: { description: "The document.", schema: z.record(z.string(), z.unknown()) } },
    problems: [],
  },
  {
    method: "get",
    path: "/docs",
    operationId: "getReference",
    tag: "Operator pages",
    summary: "API reference page",
    description: "This document rendered as HTML by the relay itself; no external asset.",
    auth: "public",
    responses: { 200: { description: "The reference.", mediaType: "text/html" } },
    problems: [],
  },
  {
    method: "get",
    path: "/dashboard",
    operationId: "getDashboard",
    tag: "Operator pages",
    summary: "Live operator dashboard",
    description:
      "A page that asks for an API key (kept in the tab's sessionStorage) and then polls `GET /v1/status` every " +
      "second. The page itself holds no data.",
    auth: "public",
    responses: { 200: { description: "The dashboard shell.", mediaType: "text/html" } },
    problems: [],
  },
  {
    method: "get",
    path: "/assets/dashboard.js",
    operationId: "getDashboardScript",
    tag: "Operator pages",
    summary: "The dashboard's script",
    description: "Served by the relay so the dashboard works where no CDN is reachable.",
    auth: "public",
    responses: { 200: { description: "JavaScript module.", mediaType: "text/javascript" } },
    problems: [],
  },
  {
    method: "get",
    path: "/assets/relay.css",
    operationId: "getStylesheet",
    tag: "Operator pages",
    summary: "Stylesheet of the operator pages",
    description: "Shared by `/docs` and `/dashboard`.",
    auth: "public",
    responses: { 200: { description: "CSS.", mediaType: "text/css" } },
    problems: [],
  },
];

/** An example occurrence of every problem code, for the document. */
export const PROBLEM_EXAMPLES: Record<ProblemCode, { detail: string; extra?: Record<string, unknown> }> = {
  unauthorized: { detail: "The API key is not valid." },
  "invalid-request": {
    detail: "2 problem(s) found; nothing was queued.",
    extra: {
      errors: [
        { index: 0, field: "templateCode", problem: "is required" },
        { index: 3, field: "(element)", problem: "is 341 characters as compact JSON; AlipayHK allows at most 300" },
      ],
    },
  },
  "malformed-json": { detail: "Unexpected end of JSON input" },
  "invalid-idempotency-key": { detail: "Idempotency-Key must be 1 to 255 visible ASCII characters." },
  "not-found": { detail: "No such job for these credentials." },
  "webhook-replayed": { detail: "This webhook-id was already received; nothing was queued." },
  "payload-too-large": { detail: "The body may be at most 16777216 bytes." },
  "too-many-notifications": {
    detail: "12000 notifications; at most 10000 per request. Split the request.",
    extra: { limit: 10000 },
  },
  "unsupported-media-type": { detail: "Send the body as `Content-Type: application/json`." },
  "idempotency-key-reused": { detail: "This Idempotency-Key was already used with a different body." },
  "backlog-full": {
    detail: "The backlog holds 20000 batches; retry in 30 s.",
    extra: { retryAfterSeconds: 30 },
  },
  "internal-error": { detail: "Something went wrong on the relay; it has been logged." },
  "not-configured": {
    detail: "The relay's configuration is invalid; see /healthz.",
    extra: { settings: ["ALIPAY_PRIVATE_KEY"] },
  },
  unavailable: { detail: "The dispatcher did not answer; retry with the same Idempotency-Key." },
};
