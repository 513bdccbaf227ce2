/**
 * Every setting the relay reads, declared once: the type of `Config`, the parsing and its messages, the
 * docs/configuration.md rows, `.dev.vars.example` and the operator summary are all derived from this table.
 */
import * as z from "zod/mini";
import { parseWebhookSecrets } from "../security/webhook";
import { parseSourcesSetting } from "../sources/parse";
import { callerPolicies } from "./callers";
import { choice, decimal, flag, identifier, integer, keyText, parsed } from "./setting";
import { callerKeyList, gatewayUrl, hostPatterns, keyList } from "./values";

const MIB = 1024 * 1024;

/** The settings, by their wrangler var / secret name. */
export const SETTINGS = {
  ALIPAY_GATEWAY_URL: parsed(
    gatewayUrl,
    {
      default: null,
      required: true,
      example: "https://open.alipay.hk/api/alipay/intl/user/inform/delegateSendNotification.htm",
      description:
        "Full URL of AlipayHK's delegateSendNotification endpoint (test host `open-id-pre.alipay.com`). " +
        "`http:` only for a loopback stand-in (127.0.0.0/8, localhost, [::1]).",
    },
    // Only the host: a path or query could carry something an operator did not mean to publish.
    { kind: "shown", schema: z.string(), show: (url) => new URL(url).host },
  ),
  ALIPAY_CLIENT_ID: identifier(32, {
    default: null,
    required: true,
    example: "2110200000000000000",
    description: "Client id AlipayHK assigned at onboarding (at most 32 characters); one dispatcher per clientId.",
  }),
  ALIPAY_MERCHANT_ID: identifier(64, {
    default: null,
    required: false,
    example: "2160400000000177",
    description: "Default `merchantId` when a request names none (at most 64 characters).",
  }),
  ALIPAY_PRIVATE_KEY: keyText({
    default: null,
    required: true,
    secret: true,
    example: "-----BEGIN RSA PRIVATE KEY-----...",
    description:
      "The merchant's RSA private key (≥ 2048 bits, unencrypted): PKCS#1 PEM (`openssl genrsa`), PKCS#8 PEM, " +
      "or one-line base64 PKCS#8.",
  }),
  ALIPAY_PUBLIC_KEY: keyText({
    default: null,
    required: true,
    example: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...",
    description: "Alipay's RSA public key, to verify answers: SPKI PEM or one-line base64.",
  }),
  ALIPAY_SIGN_ALGORITHM: choice(["RSA", "RSA2"], "RSA (SHA1withRSA) or RSA2 (SHA256withRSA)", {
    default: "RSA",
    required: false,
    description:
      "`RSA` (SHA1withRSA, as the 2.0.0 pages say) or `RSA2` (SHA256withRSA); fixed per clientId at onboarding.",
  }),
  ALIPAY_MAX_RPS: decimal(0, 1000, {
    default: "10",
    required: false,
    description:
      "Requests per second AlipayHK allows this clientId (0 < n ≤ 1000; a fraction above 1 works as its whole part).",
  }),
  RELAY_API_KEYS: parsed(
    callerKeyList,
    {
      default: null,
      required: false,
      secret: true,
      example: "shop-a:change-me-caller-key-0001,change-me-caller-key-0002",
      description:
        "Callers' comma-separated bearer tokens, each ≥ 16 characters; a caller sees its own jobs only. An entry " +
        "`name:token` names its caller (1-32 of `a-z 0-9 _ -`): keys with the same name are one caller, so a key " +
        "can be rotated without losing its jobs. This or `RELAY_WEBHOOK_SECRET` is required.",
    },
    { kind: "shown", schema: z.number(), show: (keys) => keys.length },
  ),
  RELAY_CALLERS: parsed(
    callerPolicies,
    {
      default: null,
      required: false,
      example: '{"shop-a":{"weight":2,"merchants":["2160400000000177"]}}',
      description:
        "JSON object keyed by caller name (a named key of `RELAY_API_KEYS`, or `webhook` for the Standard Webhooks " +
        "signer): `weight` (0 < n ≤ 100, default 1), the caller's weight in the fair share of each AlipayHK request's " +
        "100 places; `merchants`, the merchantIds it may submit for (absent: any; others get 403 `merchant-not-allowed`).",
    },
    { kind: "shown", schema: z.string(), show: (callers) => JSON.stringify(callers) },
  ),
  RELAY_ADMIN_KEYS: parsed(
    keyList,
    {
      default: null,
      required: false,
      secret: true,
      example: "change-me-operator-key-0001",
      description:
        "Operators' comma-separated bearer tokens, each ≥ 16 characters: every caller's jobs, the dashboard's " +
        "full view and `/healthz` details.",
    },
    { kind: "shown", schema: z.number(), show: (keys) => keys.length },
  ),
  RELAY_METRICS_KEYS: parsed(
    keyList,
    {
      default: null,
      required: false,
      secret: true,
      example: "change-me-metrics-key-0001",
      description:
        "Comma-separated bearer tokens, each ≥ 16 characters, that read `GET /metrics` (Prometheus text or " +
        "OpenMetrics) and nothing else: for a scraper's configuration. Admin keys read it too.",
    },
    { kind: "shown", schema: z.number(), show: (keys) => keys.length },
  ),
  RELAY_WEBHOOK_SECRET: parsed(
    parseWebhookSecrets,
    {
      default: null,
      required: false,
      secret: true,
      example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      description:
        "Standard Webhooks secrets, `whsec_` + base64 of ≥ 16 bytes, comma-separated: a signature by any of them is " +
        "accepted (list the new one beside the old while rotating). Accepted on `POST /v1/notifications` only; the " +
        "jobs belong to the caller `webhook` whichever secret signed.",
    },
    { kind: "shown", schema: z.number(), show: (secrets) => secrets.length },
  ),
  RELAY_CALLBACK_SECRET: parsed(
    parseWebhookSecrets,
    {
      default: null,
      required: false,
      secret: true,
      example: "whsec_C2FsbG93LWNhbGxiYWNrLXNlY3JldA==",
      description:
        "Standard Webhooks secrets, `whsec_` + base64 of ≥ 16 bytes, comma-separated, from which each caller's " +
        "callback secret is derived (`GET /v1/callback-secrets`); every callback carries one signature per entry. " +
        "Must differ from every `RELAY_WEBHOOK_SECRET`. Without it a request with `callbackUrl` is refused.",
    },
    { kind: "shown", schema: z.number(), show: (secrets) => secrets.length },
  ),
  RELAY_CALLBACK_ALLOW_LOCAL: flag({
    default: "false",
    required: false,
    description:
      "`true` lets `callbackUrl` use `http:` and reach loopback, private and other special-use addresses: for " +
      "local runs and tests only. `false`: https only, and (self-hosted) every resolved address is checked.",
  }),
  RELAY_CALLBACK_HOSTS: parsed(
    hostPatterns,
    {
      default: null,
      required: false,
      example: "hooks.shop.example,*.erp.example",
      description:
        "Comma-separated hosts `callbackUrl` may name: `host` exactly, or `*.domain` for any host under it. " +
        "Unset: any host (still https, and no internal address).",
    },
    { kind: "shown", schema: z.string(), show: (hosts) => hosts.join(",") },
  ),
  RELAY_SOURCES: parsed(
    parseSourcesSetting,
    {
      default: null,
      required: false,
      // Empty in .dev.vars.example: the example sources need their secrets, which `npm start` generates.
      example: "",
      description:
        "Storefront sources (Shopify, Stripe, WooCommerce, Standard Webhooks), each served at `POST /v1/sources/{name}`: " +
        "inline JSON, or the path of a JSON file (read at start when self-hosted; bundled by src/sources/bundled.ts on " +
        "Workers). Secrets are named, never inline. See docs/sources.md.",
    },
    {
      kind: "shown",
      schema: z.string(),
      show: (sources) =>
        Object.entries(sources)
          .map(([name, source]) => `${name} (${source.provider})`)
          .join(", "),
    },
  ),
  RELAY_DEDUP_HOURS: integer(1, 720, {
    default: "24",
    required: false,
    description:
      "How long a caller's `dedupKey` is remembered, in hours: a notification with a key accepted within this window is not sent again (`deduplicated`).",
  }),
  RELAY_MAX_DEDUP_KEYS: integer(1000, 100_000_000, {
    // About 0.5 KB a key with its indexes: 100,000 keys of 128 characters are some 50 MB of one caller's outbox.
    default: "100000",
    required: false,
    description:
      "`dedupKey`s remembered per caller: beyond it the caller's oldest keys are forgotten first (a key is " +
      "remembered for `RELAY_DEDUP_HOURS` or until this many newer keys of the same caller, whichever comes first).",
  }),
  RELAY_MAX_NOTIFICATIONS_PER_REQUEST: integer(1, 40_000, {
    // Bounded so one request stays well inside the 32 MiB limit of the Worker → Durable Object call.
    default: "10000",
    required: false,
    description: "Most notifications in one POST (413 above).",
  }),
  RELAY_MAX_BODY_BYTES: integer(1024, 32 * MIB, {
    // 10,000 elements of AlipayHK's maximum 300 characters, pretty-printed, measure about 3.6 MB (see
    // test/config.test.ts); the cap keeps a buffered body far below the isolate's 128 MB.
    default: String(4 * MIB),
    required: false,
    description: "Largest request body accepted, in bytes (413 above); at most 33554432 (32 MiB).",
  }),
  RELAY_MAX_UNVERIFIED_BODY_BYTES: integer(1024, 32 * MIB, {
    default: String(MIB),
    required: false,
    description:
      "Largest body read before its Standard Webhooks signature is checked, in bytes (413 above); a bearer " +
      "key's limit is `RELAY_MAX_BODY_BYTES`.",
  }),
  RELAY_MAX_UNVERIFIED_BODIES: integer(1, 1000, {
    default: "4",
    required: false,
    description:
      "Webhook-signed bodies read at once per isolate or process before their signature is checked; one more " +
      "gets 429 `webhooks-busy` with `Retry-After`.",
  }),
  RELAY_MAX_BACKLOG_BATCHES: integer(1, 10_000_000, {
    default: "20000",
    required: false,
    description:
      "Stored runs of unsent notifications (a job's consecutive notifications, at most 100 each) beyond which new " +
      "work gets 429 `backlog-full` with `Retry-After`. Its last quarter is kept for callers below their weighted " +
      "share of it (see docs/security.md).",
  }),
  RELAY_MAX_SEND_AFTER_HOURS: integer(1, 8760, {
    default: "168",
    required: false,
    description: "How far ahead `sendAfter` may be, in hours (400 naming `sendAfter` beyond).",
  }),
  RELAY_MAX_IN_FLIGHT: integer(1, 1000, {
    default: "64",
    required: false,
    description: "Sends on the wire at once for the clientId, across invocations.",
  }),
  RELAY_PACE_GUARD_MS: integer(0, 500, {
    default: "20",
    required: false,
    description:
      "Margin added to the one-second window the pace is counted in, in ms: the pace is `ALIPAY_MAX_RPS` per " +
      "(1000 + this) ms. Raise it if the network between Cloudflare and AlipayHK jitters more.",
  }),
  RELAY_SEND_TIMEOUT_MS: integer(100, 25_000, {
    // A sender's background work (waitUntil) lives about 30 s after it answers the dispatcher.
    default: "10000",
    required: false,
    description:
      "How long a send waits for AlipayHK's answer, in ms (at most 25,000: a sender's background work lives about 30 s).",
  }),
  RELAY_MAX_ATTEMPTS: integer(1, 100, {
    default: "5",
    required: false,
    description: "Sends per batch before it is failed (traffic-limit refusals do not count).",
  }),
  RELAY_RETRY_BASE_MS: integer(10, 600_000, {
    default: "1000",
    required: false,
    description: "First retry delay in ms; doubles per attempt, with jitter.",
  }),
  RELAY_RETRY_MAX_MS: integer(10, 86_400_000, {
    default: "60000",
    required: false,
    description: "Longest retry delay in ms; at least `RELAY_RETRY_BASE_MS`.",
  }),
  RELAY_MAX_WAIT_SECONDS: integer(0, 300, {
    default: "60",
    required: false,
    description: "Cap on `Prefer: wait=N`, in seconds; 0 disables waiting.",
  }),
  RELAY_MAX_WAITS_PER_CALLER: integer(0, 10_000, {
    default: "10",
    required: false,
    description:
      "`Prefer: wait` answers one caller may hold open at once (POST and GET together); beyond it the answer " +
      "comes at once, with `Preference-Applied: wait=0`.",
  }),
  // At most 64: the owners passed over while at their own cap are bound parameters of one statement (100 at most).
  RELAY_MAX_CALLBACKS_IN_FLIGHT: integer(1, 64, {
    default: "4",
    required: false,
    description:
      "Completion callback tries on the wire at once, all callers together. On Workers at most 4 are used " +
      "whatever this says: the Durable Object sends them itself and keeps 2 of its 6 connections for hand-overs.",
  }),
  RELAY_MAX_CALLBACKS_IN_FLIGHT_PER_CALLER: integer(1, 64, {
    default: "2",
    required: false,
    description:
      "Completion callback tries on the wire at once for one caller (its receivers' slowness stays its own).",
  }),
  RELAY_MAX_PENDING_CALLBACKS: integer(1, 1_000_000, {
    default: "1000",
    required: false,
    description:
      "Completion callbacks of one caller that are due and not yet delivered (its receiver fails or is slow); " +
      "at this many, its new requests with `callbackUrl` get 429 `callbacks-pending` with `Retry-After`.",
  }),
  RELAY_JOB_RETENTION_HOURS: integer(1, 8760, {
    default: "168",
    required: false,
    description: "How long finished jobs stay readable, in hours.",
  }),
  RELAY_BREAKER_PROBE_SECONDS: integer(1, 3600, {
    default: "30",
    required: false,
    description:
      "While the circuit breaker holds sending (a gateway outage, a client-wide setup error), the longest gap " +
      "between two probe requests, in seconds; it starts near 1 s and doubles.",
  }),
  RELAY_STORAGE_CAP_BYTES: integer(1_000_000, 1_000_000_000_000, {
    default: "10000000000",
    required: false,
    description:
      "Size the outbox database may reach, in bytes (a Durable Object holds at most 10 GB): new work that would " +
      "pass it gets 503 `storage-full` with `Retry-After` (sending, settling and reads go on); `/healthz` says " +
      "`degraded` above 80 % of it.",
  }),
  RELAY_UTC_OFFSET_MINUTES: integer(-720, 840, {
    default: "480",
    required: false,
    description: "UTC offset written in `reqTime`, in minutes (480 = +08:00, Hong Kong).",
  }),
} as const;

/** The name of one setting. */
export type SettingName = keyof typeof SETTINGS;
