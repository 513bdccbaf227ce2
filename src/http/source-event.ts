/**
 * `POST /v1/sources/{name}`: a storefront's webhook, verified over its raw bytes, read as an event,
 * mapped to one notification, checked by the submit rules and queued under the source's own caller.
 * Answers are what providers understand: 202 queued (a redelivery gets its job back), 200 ignored
 * with a reason (so they neither retry nor disable the webhook), 401 for a signature that does not
 * verify, 429/503 when the relay cannot take it now (they retry).
 */
import type { Context } from "hono";
import { parseSubmission } from "../core/submission";
import type { SubmitResult } from "../engine/api";
import { logEvent } from "../log";
import { newJobId } from "../security/owner";
import { checkSignatureHeaders, SIGNATURE_HEADERS, type SignatureProblem } from "../security/sources";
import { sourceOwner } from "../sources/caller";
import { DEFAULT_SOURCE_MAX_BODY_BYTES, type Provider, type SourceDeclaration } from "../sources/declaration";
import { readSourceEvent, type SourceEvent } from "../sources/event";
import { mapSourceEvent, type MappedEvent } from "../sources/mapping";
import { countedSourceEvents, type IgnoredReason } from "../sources/outcomes";
import type { RelayEnv } from "./env";
import { decodeUtf8, readLimited } from "./middleware/body";
import { problem } from "./problem";
import { refusalProblem } from "./refusal";

/** The longest body WooCommerce's ping (`webhook_id=<n>`) can have, in bytes. */
const PING_MAX_BYTES = 64;

/** Providers whose delivery ids are not covered by the signature: the body's digest is the default dedupKey. */
const UNSIGNED_DELIVERY_IDS: readonly Provider[] = ["shopify", "woocommerce"];

const SIGNATURE_DETAIL: Record<SignatureProblem, (provider: Provider) => string> = {
  missing: (provider) =>
    `No ${SIGNATURE_HEADERS[provider]} header: this source takes ${provider} webhooks signed with its secret.`,
  malformed: (provider) => `The ${SIGNATURE_HEADERS[provider]} header is malformed.`,
  stale: () => "The signature's timestamp is more than 5 minutes from the relay's clock.",
  mismatch: () => "The signature does not match the body under this source's secret.",
};

/** Handles one delivery to a configured source. */
export async function receiveSourceEvent(c: Context<RelayEnv>): Promise<Response> {
  const { config } = c.var.runtime;
  const name = c.req.param("name") ?? "";
  const source = config.sources && Object.hasOwn(config.sources, name) ? config.sources[name] : undefined;
  if (!source) return problem(c, "not-found", "No source of that name is configured.");
  const now = Date.now();
  const header = (headerName: string) => c.req.header(headerName);
  const check = checkSignatureHeaders(source.provider, {
    header,
    keys: config.sourceKeys[name] ?? [],
    nowSeconds: Math.floor(now / 1000),
  });
  if (!check.ok) {
    if (check.problem === "missing" && source.provider === "woocommerce" && (await isWooCommercePing(c.req.raw))) {
      return c.json({ outcome: "ping", source: name }, 200);
    }
    return refused(c, name, source.provider, check.problem);
  }
  const maxBytes = source.maxBodyBytes ?? DEFAULT_SOURCE_MAX_BODY_BYTES;
  // The MAC is fed each chunk as it arrives; nothing is parsed before it matches.
  const read = await readLimited(c.req.raw, maxBytes, (chunk) => check.mac.update(chunk));
  if (!read.ok && read.problem === "too-large") {
    return problem(c, "payload-too-large", `This source accepts bodies of at most ${maxBytes} bytes.`);
  }
  if (!read.ok) return problem(c, "malformed-json", "The body ended before it was complete.");
  if (!check.mac.matches()) return refused(c, name, source.provider, "mismatch");

  const answer = { source: name, eventType: null as string | null, deliveryId: null as string | null };
  // Decoded only once the signature matched.
  const text = decodeUtf8(read.bytes);
  if (text === null) return ignore(c, answer, "malformed-event", "the body is not UTF-8");
  const digest = await sha256(read.bytes);
  const readEvent = readSourceEvent(source.provider, header, text, hex(digest), now);
  if (!readEvent.ok) return ignore(c, answer, "malformed-event", readEvent.detail);
  const { event } = readEvent;
  answer.eventType = event.type;
  answer.deliveryId = event.deliveryId;

  const defaultDedupKey = UNSIGNED_DELIVERY_IDS.includes(source.provider) ? `body:${base64url(digest)}` : undefined;
  const mapped = mapSourceEvent(source, event, now, defaultDedupKey);
  if (!mapped.ok) return ignore(c, answer, mapped.reason, mapped.detail);
  const queued = await queue(c, name, source, event, mapped.mapped);
  if (queued instanceof Response) return queued;
  if ("reason" in queued) return ignore(c, answer, queued.reason, queued.detail);
  const { job } = queued.result;
  c.header("Location", `/v1/notifications/${job.jobId}`);
  if (queued.result.kind === "existing") c.header("Idempotent-Replayed", "true");
  return c.json(
    { outcome: "queued", ...answer, eventType: event.type, jobId: job.jobId, status: job.status, total: job.total },
    202,
  );
}

type Queued =
  | { result: Extract<SubmitResult, { kind: "created" | "existing" }> }
  | { reason: IgnoredReason; detail: string };

/**
 * Reads the notification with the submit rules (AlipayHK's limits: 300 characters per element, …) and
 * stores it as a job of the source's caller, keyed by the delivery so that a redelivery finds it.
 */
async function queue(
  c: Context<RelayEnv>,
  name: string,
  source: SourceDeclaration,
  event: SourceEvent,
  mapped: MappedEvent,
): Promise<Queued | Response> {
  const merchantId = source.merchantId ?? c.var.runtime.config.merchantId ?? "";
  const { openId, templateCode, templateValue, dedupKey } = mapped;
  const body = JSON.stringify({
    merchantId,
    notifications: [{ openId, templateCode, templateValue, ...(dedupKey !== undefined ? { dedupKey } : {}) }],
  });
  const submission = await parseSubmission(body, merchantId, { maxNotifications: 1 });
  if (!submission.ok) {
    const detail =
      submission.kind === "invalid-request"
        ? submission.errors.map((e) => `${e.field} ${e.problem}`).join("; ")
        : "the notification could not be read";
    return { reason: "invalid-notification", detail };
  }
  let result: SubmitResult;
  try {
    result = await c.var.dispatcher.submit({
      jobId: newJobId(),
      owner: sourceOwner(name),
      idempotencyKey: event.deliveryKey,
      // The notification, not the raw body: a provider's redelivery may differ in bookkeeping fields
      // (Stripe's pending_webhooks) yet is the same event.
      bodyHash: hex(await sha256(new TextEncoder().encode(body))),
      merchantId: submission.merchantId,
      batches: submission.batches,
      ...(mapped.expiresAt !== undefined ? { expiresAt: mapped.expiresAt } : {}),
      ...(source.onUnknown !== undefined ? { onUnknown: source.onUnknown } : {}),
      ...(source.callbackUrl !== undefined ? { callbackUrl: source.callbackUrl } : {}),
    });
  } catch (error) {
    logEvent({
      event: "source_submit_failed",
      source: name,
      error: error instanceof Error ? error.message : String(error),
    });
    return problem(
      c,
      "unavailable",
      "The dispatcher did not answer; the provider should retry.",
      {},
      { "Retry-After": "1" },
    );
  }
  switch (result.kind) {
    case "created":
    case "existing":
      return { result };
    case "backlog-full":
    case "storage-full":
    case "callbacks-pending":
      return refusalProblem(c, result);
    case "idempotency-mismatch":
    case "webhook-replayed":
      return {
        reason: "delivery-conflict",
        detail: "the delivery was queued before with another notification; that job stands",
      };
  }
}

/** 200 with the reason, logged and counted by the dispatcher; the provider neither retries nor disables the webhook. */
async function ignore(
  c: Context<RelayEnv>,
  answer: { source: string; eventType: string | null; deliveryId: string | null },
  reason: IgnoredReason,
  detail: string,
): Promise<Response> {
  await countedSourceEvents(c.var.dispatcher).ignored({ ...answer, outcome: "ignored", reason, at: Date.now() });
  return c.json({ outcome: "ignored", ...answer, reason, detail }, 200);
}

function refused(c: Context<RelayEnv>, name: string, provider: Provider, signature: SignatureProblem): Response {
  return problem(
    c,
    "invalid-signature",
    SIGNATURE_DETAIL[signature](provider),
    {},
    { "WWW-Authenticate": `Signature realm="${name}"` },
  );
}

/** WooCommerce pings a new webhook's URL with an unsigned `webhook_id=<n>` and needs a 200 to save it. */
async function isWooCommercePing(request: Request): Promise<boolean> {
  const read = await readLimited(request, PING_MAX_BYTES);
  return read.ok && /^webhook_id=[0-9]{1,20}$/.test(decodeUtf8(read.bytes) ?? "");
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
