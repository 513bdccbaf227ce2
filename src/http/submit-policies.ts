/**
 * The delivery policies of a submit body, parsed once from the JSON: `sendAfter`, `expiresAt`,
 * `onUnknown`, `callbackUrl` and each notification's `dedupKey`. They are taken out of the body before
 * the envelope and the notifications are checked (those parsers know nothing of them), and their
 * problems join the same all-or-nothing 400.
 */
import { z as zc } from "zod";
import * as z from "zod/mini";
import { isLoopbackHost } from "../config/values";
import { NotificationInputSchema } from "../core/notification";
import type { SubmitRequest } from "../engine/types";
import { SubmitBodySchema } from "./schemas";

/** Longest `dedupKey`, in characters. */
export const MAX_DEDUP_KEY_CHARS = 128;
/** Longest `callbackUrl`, in characters. */
export const MAX_CALLBACK_URL_CHARS = 2048;

const when = (description: string) => z.optional(z.iso.datetime({ offset: true }).check(z.describe(description)));

/** The policy members of the body, declared once (parsed here, documented through `SubmitBodyDocSchema`). */
export const PolicyFields = {
  sendAfter: when("RFC 3339. Nothing of the job leaves before then; the ETA counts from it."),
  expiresAt: when("RFC 3339, in the future and after `sendAfter`. Batches not started by then end `expired` and are never sent."),
  onUnknown: z.optional(
    z
      .enum(["retry", "fail"])
      .check(z.describe("`retry` (default): at-least-once. `fail`: at-most-once; a U answer, a timeout or a lost send ends the batch `failed`, never resent.")),
  ),
  callbackUrl: z.optional(
    z
      .string()
      .check(
        z.maxLength(MAX_CALLBACK_URL_CHARS),
        z.describe("https (http only on a loopback host). When the job completes, its final document is POSTed here, signed with Standard Webhooks (RELAY_CALLBACK_SECRET), retried for up to 24 h."),
      ),
  ),
};

/** A notification's `dedupKey`. */
export const DedupKeySchema = z.optional(
  z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(MAX_DEDUP_KEY_CHARS),
      z.describe("1..128 characters. A key this caller had accepted within RELAY_DEDUP_HOURS (or earlier in this request) is not sent again: `deduplicated`."),
    ),
);

const PoliciesSchema = z.object(PolicyFields);

/** The submit body as documented: the notifications' body plus the policies. */
export const SubmitBodyDocSchema = SubmitBodySchema.extend({
  ...PolicyFields,
  notifications: zc.array(NotificationInputSchema.safeExtend({ dedupKey: DedupKeySchema })).min(1),
});

/** A problem with the request body (the shape `invalid-request` lists). */
export interface PolicyError {
  index?: number;
  field: string;
  problem: string;
}

/** The policies parsed, the body without them, and each notification's key (null: none; all null: no keys). */
export type SubmitPolicies =
  | { ok: true; rest: unknown; request: Pick<SubmitRequest, "sendAfter" | "expiresAt" | "onUnknown" | "callbackUrl">; dedupKeys: (string | null)[] | null }
  | { ok: false; rest: unknown; errors: PolicyError[] };

/** Takes the policies out of the parsed body; `now` in ms; `signing` says whether RELAY_CALLBACK_SECRET is set. */
export function parseSubmitPolicies(json: unknown, now: number, signing: boolean): SubmitPolicies {
  if (!isRecord(json)) return { ok: true, rest: json, request: {}, dedupKeys: null };
  const { sendAfter, expiresAt, onUnknown, callbackUrl, ...rest } = json;
  const errors: PolicyError[] = [];
  const parsed = PoliciesSchema.safeParse({ sendAfter, expiresAt, onUnknown, callbackUrl });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push({ field: issue.path.join("."), problem: issue.message });
  }
  const request: Pick<SubmitRequest, "sendAfter" | "expiresAt" | "onUnknown" | "callbackUrl"> = {};
  if (parsed.success) {
    const p = parsed.data;
    if (p.sendAfter !== undefined) request.sendAfter = Date.parse(p.sendAfter);
    if (p.expiresAt !== undefined) {
      request.expiresAt = Date.parse(p.expiresAt);
      if (request.expiresAt <= now) errors.push({ field: "expiresAt", problem: "is in the past" });
      else if (request.sendAfter !== undefined && request.expiresAt <= request.sendAfter) {
        errors.push({ field: "expiresAt", problem: "must be after sendAfter" });
      }
    }
    if (p.onUnknown !== undefined) request.onUnknown = p.onUnknown;
    if (p.callbackUrl !== undefined) {
      const problem = callbackUrlProblem(p.callbackUrl, signing);
      if (problem) errors.push({ field: "callbackUrl", problem });
      else request.callbackUrl = p.callbackUrl;
    }
  }
  const keys = takeDedupKeys(rest, errors);
  return errors.length > 0 ? { ok: false, rest: keys.rest, errors } : { ok: true, rest: keys.rest, request, dedupKeys: keys.keys };
}

/** Why a callback URL is refused, or null: https, or http on a loopback host; no user-info. */
export function callbackUrlProblem(text: string, signing: boolean): string | null {
  if (!signing) return "callbacks are not enabled on this relay (RELAY_CALLBACK_SECRET is not set)";
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url) return "must be an absolute URL";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    return "must use https (http only on a loopback host: 127.0.0.0/8, localhost, [::1])";
  }
  if (url.username !== "" || url.password !== "") return "must not contain a user name or password";
  return null;
}

// Each notification's `dedupKey` comes out of its element, so the notification rules see the three
// documented members only; a bad key is reported with the element's index.
function takeDedupKeys(body: Record<string, unknown>, errors: PolicyError[]): { rest: unknown; keys: (string | null)[] | null } {
  const items = body.notifications;
  if (!Array.isArray(items) || !items.some((item) => isRecord(item) && "dedupKey" in item)) return { rest: body, keys: null };
  const keys: (string | null)[] = [];
  const stripped = items.map((item, index) => {
    if (!isRecord(item) || !("dedupKey" in item)) {
      keys.push(null);
      return item;
    }
    const { dedupKey, ...element } = item;
    const key = DedupKeySchema.safeParse(dedupKey);
    if (!key.success) errors.push({ index, field: "dedupKey", problem: key.error.issues[0]?.message ?? "is not valid" });
    keys.push(key.success ? (key.data ?? null) : null);
    return element;
  });
  return { rest: { ...body, notifications: stripped }, keys };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
