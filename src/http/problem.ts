import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Every stable `code` an error answer can carry; callers may branch on these. */
export const PROBLEMS = {
  unauthorized: { status: 401, title: "Missing or invalid credentials" },
  "invalid-signature": { status: 401, title: "The webhook signature is missing, stale or does not match" },
  "invalid-request": { status: 400, title: "The request is not valid" },
  "malformed-json": { status: 400, title: "The body is not valid JSON" },
  "invalid-idempotency-key": { status: 400, title: "The Idempotency-Key header is not valid" },
  forbidden: { status: 403, title: "These credentials may not do this" },
  "merchant-not-allowed": { status: 403, title: "This caller may not submit for this merchantId" },
  "not-found": { status: 404, title: "Not found" },
  "job-completed": { status: 409, title: "The job already completed" },
  "webhook-replayed": { status: 409, title: "This webhook-id was already received" },
  "payload-too-large": { status: 413, title: "The body is too large" },
  "too-many-notifications": { status: 413, title: "Too many notifications in one request" },
  "unsupported-media-type": { status: 415, title: "The body must be application/json" },
  "idempotency-key-reused": {
    status: 422,
    title: "This Idempotency-Key was used with a different body",
  },
  "backlog-full": { status: 429, title: "The backlog is full; retry later" },
  "webhooks-busy": { status: 429, title: "Too many webhook bodies are being checked at once; retry later" },
  "callbacks-pending": {
    status: 429,
    title: "Too many of this caller's completion callbacks are undelivered; retry later",
  },
  "internal-error": { status: 500, title: "Internal error" },
  "not-configured": { status: 503, title: "The relay is not configured correctly" },
  unavailable: { status: 503, title: "The dispatcher is unavailable; retry later" },
  "storage-full": { status: 503, title: "The outbox is at its size cap; retry later" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** RFC 9457 problem details, with the relay's stable `code` and optional extension members. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  [extension: string]: unknown;
}

/** Builds the RFC 9457 body for `code`. */
export function problemBody(code: ProblemCode, detail?: string, extra: Record<string, unknown> = {}): ProblemBody {
  const { status, title } = PROBLEMS[code];
  return {
    type: `urn:alipay-notify-relay:problem:${code}`,
    title,
    status,
    code,
    ...(detail ? { detail } : {}),
    ...extra,
  };
}

/** The one place that turns an error into a response: `application/problem+json`. */
export function problem(
  c: Context,
  code: ProblemCode,
  detail?: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  const body = problemBody(code, detail, extra);
  return c.body(JSON.stringify(body), body.status as ContentfulStatusCode, {
    "Content-Type": "application/problem+json",
    ...headers,
  });
}
