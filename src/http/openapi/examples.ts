/** Example values the document shows; the tests parse each with the schema it illustrates. */
import type { ConfigSummary } from "../../config";
import type { ProblemCode } from "../problem";

const EXAMPLE_JOB_ID = "job_Vv3mQk1nZ8r2Xc0pLs9TaA";

const bill = (openId: string, bill: string) => ({
  openId,
  templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
  templateValue: { merchantName: "Tea House", redirectUrl: `https://shop.example.hk/bill/${bill}` },
});

/** Two ways to write a submit body. */
export const SUBMIT_EXAMPLES = {
  objects: {
    summary: "templateValue as objects, default merchant",
    value: { notifications: [bill("2088000000000001", "A-1001"), bill("2088000000000002", "A-1002")] },
  },
  policies: {
    summary: "Delivery policies: a window, at-most-once, a callback and dedup keys",
    value: {
      sendAfter: "2026-11-26T18:00:00+08:00",
      expiresAt: "2026-11-26T21:00:00+08:00",
      onUnknown: "fail",
      callbackUrl: "https://shop.example.hk/hooks/relay-done",
      notifications: [
        { ...bill("2088000000000001", "A-1001"), dedupKey: "order-A-1001-ready" },
        { ...bill("2088000000000002", "A-1002"), dedupKey: "order-A-1002-ready" },
      ],
    },
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
};

/** A completed job of two notifications. */
export const EXAMPLE_JOB = {
  jobId: EXAMPLE_JOB_ID,
  status: "completed",
  merchantId: "2160400000000177",
  total: 2,
  succeeded: 2,
  failed: 0,
  cancelled: 0,
  expired: 0,
  deduplicated: 0,
  pending: 0,
  sendAfter: null,
  expiresAt: null,
  onUnknown: "retry",
  callback: { status: "delivered", attempts: 1, lastError: null },
  createdAt: "2026-11-26T04:08:56.120Z",
  completedAt: "2026-11-26T04:08:56.418Z",
  batches: [
    {
      size: 2,
      status: "succeeded",
      attempts: 1,
      reqMsgId: "b6c1f0a46d3e4b7e9a410f3f8c2d5e17",
      resultStatus: "S",
      resultCode: "SUCCESS",
      resultMsg: "success",
    },
  ],
  batchesOmitted: 0,
  failures: [],
};

/** The 202 answer for 250 notifications. */
export const EXAMPLE_ACCEPTED = {
  jobId: EXAMPLE_JOB_ID,
  status: "queued",
  total: 250,
  batches: 3,
  estimatedSeconds: 0.15,
  estimatedCompletionAt: "2026-11-26T04:08:56.270Z",
};

/** A job cancelled while 100 of its notifications were on the wire: those finish, the rest never leave. */
export const EXAMPLE_CANCELLED_JOB = {
  ...EXAMPLE_JOB,
  status: "running",
  total: 250,
  succeeded: 0,
  cancelled: 150,
  pending: 100,
  callback: null,
  completedAt: null,
  batches: [
    {
      size: 150,
      status: "cancelled",
      attempts: 0,
      reqMsgId: null,
      resultStatus: null,
      resultCode: null,
      resultMsg: null,
    },
    {
      size: 100,
      status: "sending",
      attempts: 1,
      reqMsgId: "4f1c0e2b9a8d4c7f8e6a5b3c2d1e0f9a",
      resultStatus: null,
      resultCode: null,
      resultMsg: null,
    },
  ],
};

/** The settings summary an admin key sees. */
export const EXAMPLE_SUMMARY: ConfigSummary = {
  ALIPAY_GATEWAY_URL: "open.alipay.hk",
  ALIPAY_CLIENT_ID: "211020000000000000044",
  ALIPAY_MERCHANT_ID: "2160400000000177",
  ALIPAY_SIGN_ALGORITHM: "RSA",
  ALIPAY_MAX_RPS: 20,
  RELAY_API_KEYS: 2,
  RELAY_CALLERS: '{"shop-a":{"weight":2,"merchants":["2160400000000177"]}}',
  RELAY_ADMIN_KEYS: 1,
  RELAY_METRICS_KEYS: 1,
  RELAY_WEBHOOK_SECRET: 1,
  RELAY_CALLBACK_SECRET: 1,
  RELAY_CALLBACK_ALLOW_LOCAL: false,
  RELAY_CALLBACK_HOSTS: null,
  RELAY_SOURCES: "shopify (shopify), stripe (stripe)",
  RELAY_DEDUP_HOURS: 24,
  RELAY_MAX_DEDUP_KEYS: 100000,
  RELAY_MAX_NOTIFICATIONS_PER_REQUEST: 10000,
  RELAY_MAX_BODY_BYTES: 4194304,
  RELAY_MAX_UNVERIFIED_BODY_BYTES: 1048576,
  RELAY_MAX_UNVERIFIED_BODIES: 4,
  RELAY_MAX_BACKLOG_BATCHES: 20000,
  RELAY_MAX_SEND_AFTER_HOURS: 168,
  RELAY_MAX_IN_FLIGHT: 64,
  RELAY_PACE_GUARD_MS: 20,
  RELAY_SEND_TIMEOUT_MS: 10000,
  RELAY_MAX_ATTEMPTS: 5,
  RELAY_RETRY_BASE_MS: 1000,
  RELAY_RETRY_MAX_MS: 60000,
  RELAY_MAX_WAIT_SECONDS: 60,
  RELAY_MAX_WAITS_PER_CALLER: 10,
  RELAY_MAX_CALLBACKS_IN_FLIGHT: 4,
  RELAY_MAX_CALLBACKS_IN_FLIGHT_PER_CALLER: 2,
  RELAY_MAX_PENDING_CALLBACKS: 1000,
  RELAY_JOB_RETENTION_HOURS: 168,
  RELAY_BREAKER_PROBE_SECONDS: 30,
  RELAY_STORAGE_CAP_BYTES: 10_000_000_000,
  RELAY_UTC_OFFSET_MINUTES: 480,
};

/** `/v1/status` while a large job is sent, as an admin key sees it. */
export const EXAMPLE_STATUS = {
  relay: EXAMPLE_SUMMARY,
  pace: { configuredRps: 20, liveRps: 18, sentLastSecond: 18, lastExceedAt: "2026-11-26T04:08:41.002Z" },
  backlog: { notifications: 4200, queued: 3600, due: 3600, delayed: 0, etaSeconds: 3, oldestDueSeconds: 0.42 },
  inFlight: 6,
  callers: [
    { caller: "caller:shop-a", weight: 1, due: 3590, queued: 3590, share: 0.9, runs: 36, backlogShare: 6666 },
    { caller: "caller:shop-b", weight: 1, due: 10, queued: 10, share: 0.1, runs: 10, backlogShare: 6666 },
    {
      caller: "key:5b0c1d9e7f3a2b4c6d8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c",
      weight: 1,
      due: 0,
      queued: 0,
      share: 0,
      runs: 0,
      backlogShare: 6666,
    },
  ],
  results: { SUCCESS: 1180, REQUEST_TRAFFIC_EXCEED_LIMIT: 1 },
  resultWindowSeconds: 300,
  resultsSince: "2026-11-26T04:03:41.000Z",
  sendsPerSecond: [
    { at: 1795673320000, sends: 20, exceeded: 1, codes: { SUCCESS: 19, REQUEST_TRAFFIC_EXCEED_LIMIT: 1 } },
    { at: 1795673321000, sends: 18, exceeded: 0, codes: { SUCCESS: 18 } },
  ],
  recentJobs: [
    {
      jobId: EXAMPLE_JOB_ID,
      status: "running",
      total: 10000,
      succeeded: 5800,
      failed: 0,
      cancelled: 0,
      expired: 0,
      deduplicated: 0,
      createdAt: "2026-11-26T04:08:10.000Z",
    },
  ],
  adaptations: [{ at: "2026-11-26T04:08:41.002Z", liveRps: 18, reason: "REQUEST_TRAFFIC_EXCEED_LIMIT" }],
  hold: null,
  storage: { bytes: 4_202_496, capBytes: 10_000_000_000 },
  sources: [
    {
      source: "shopify",
      ignored: { "unhandled-event": 3, "no-open-id": 1 },
      lastIgnoredAt: "2026-11-26T04:07:12.000Z",
      lastReason: "unhandled-event",
      lastEventType: "orders/create",
    },
  ],
};

/** `GET /v1/callback-secrets` while RELAY_CALLBACK_SECRET holds two entries. */
export const EXAMPLE_CALLBACK_SECRETS = {
  owner: "caller:shop-a",
  secrets: ["whsec_hP3kO1Lq8nHc4oS0a6cQ1xq2m8v7r5tZC1n2dGY0bmE=", "whsec_Zy0aG9Vb1lRk3nHqT8eW2cY5uJ7iL0oP4sD6fG9hJ1k="],
};

/** `/healthz` answers: anyone's, and an admin key's. */
export const HEALTH_EXAMPLES = {
  public: { summary: "Without an admin key", value: { status: "ok" } },
  admin: { summary: "With an admin key", value: { status: "ok", relay: EXAMPLE_SUMMARY } },
  degraded: {
    summary: "Degraded, with an admin key",
    value: {
      status: "degraded",
      degraded: [{ reason: "breaker-open", detail: "The gateway answered 502 to the last 5 sends." }],
      relay: EXAMPLE_SUMMARY,
    },
  },
};

/** `/healthz` when a setting is wrong. */
export const MISCONFIGURED_EXAMPLES = {
  public: { summary: "Without an admin key", value: { status: "misconfigured" } },
  admin: {
    summary: "With an admin key",
    value: { status: "misconfigured", errors: [{ setting: "ALIPAY_PRIVATE_KEY", problem: "is required but not set" }] },
  },
};

/** An example occurrence of every problem code, for the document. */
export const PROBLEM_EXAMPLES: Record<ProblemCode, { detail: string; extra?: Record<string, unknown> }> = {
  unauthorized: { detail: "The API key is not valid." },
  "invalid-signature": { detail: "The signature does not match the body under this source's secret." },
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
  "payload-too-large": { detail: "The body may be at most 4194304 bytes." },
  "too-many-notifications": {
    detail: "12000 notifications; at most 10000 per request. Split the request.",
    extra: { limit: 10000 },
  },
  "unsupported-media-type": { detail: "Send the body as `Content-Type: application/json`." },
  "idempotency-key-reused": { detail: "This Idempotency-Key was already used with a different body." },
  "job-completed": { detail: "The job already completed; there is nothing left to cancel." },
  forbidden: { detail: "Pausing and resuming need an admin key (RELAY_ADMIN_KEYS)." },
  "merchant-not-allowed": {
    detail: "This caller may not submit for merchantId 2160400000000999; nothing was queued.",
    extra: { merchantId: "2160400000000999" },
  },
  "backlog-full": {
    detail: "The backlog holds 20000 of 20000 stored runs of notifications (RELAY_MAX_BACKLOG_BATCHES); retry in 30 s.",
    extra: { retryAfterSeconds: 30 },
  },
  "callbacks-pending": {
    detail:
      "1000 completion callbacks of this caller are not delivered yet (RELAY_MAX_PENDING_CALLBACKS 1000): nothing was queued. Requests without callbackUrl are still accepted; retry in 40 s.",
    extra: { retryAfterSeconds: 40 },
  },
  "storage-full": {
    detail:
      "The outbox is at its size cap (RELAY_STORAGE_CAP_BYTES); nothing was queued. Sending goes on and frees room; retry in 12 s.",
    extra: { retryAfterSeconds: 12 },
  },
  "webhooks-busy": { detail: "4 webhook bodies are being checked already; retry in 1 s." },
  "internal-error": { detail: "Something went wrong on the relay; it has been logged." },
  "not-configured": {
    detail: "The relay's configuration is invalid; an admin key sees the details on /healthz.",
  },
  unavailable: { detail: "The dispatcher did not answer; retry with the same Idempotency-Key." },
};

/** Webhook bodies a source receives, shortened (examples/sources/ has whole ones). */
export const SOURCE_EVENT_EXAMPLES = {
  shopify: {
    summary: "Shopify orders/paid (X-Shopify-Topic), shortened",
    value: {
      id: 5721340690512,
      name: "#1042",
      currency: "HKD",
      total_price: "198.00",
      financial_status: "paid",
      note_attributes: [{ name: "alipayhk_open_id", value: "20881234567890123456789012345678" }],
    },
  },
  stripe: {
    summary: "Stripe checkout.session.completed, shortened",
    value: {
      id: "evt_1QJX4v2eZvKYlo2C8gTmN3pR",
      object: "event",
      type: "checkout.session.completed",
      created: 1795661141,
      data: {
        object: {
          id: "cs_test_a1Qb7WcRkE2f0mZ9xYvT3uLp",
          object: "checkout.session",
          amount_total: 19800,
          currency: "hkd",
          payment_status: "paid",
          metadata: { alipayhk_open_id: "20881234567890123456789012345678" },
        },
      },
    },
  },
};
