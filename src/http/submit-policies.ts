/**
 * The delivery policies of a submit body: `sendAfter`, `expiresAt`, `onUnknown` and `callbackUrl`
 * (each notification's `dedupKey` is a member of the notification, see core/notification.ts). Declared
 * once here: the submit body's schema includes these fields (the OpenAPI document shows them), and
 * `parseSubmitPolicies` checks the values `parseSubmission` took out of the body.
 */
import * as z from "zod/mini";
import type { SubmitRequest } from "../engine/api";
import { type CallbackDestinations, callbackUrlProblem } from "../security/callback-destination";

/** Longest `callbackUrl`, in characters. */
export const MAX_CALLBACK_URL_CHARS = 2048;

const when = (description: string) => z.optional(z.iso.datetime({ offset: true }).check(z.describe(description)));

/** The policy members of the body. */
export const PolicyFields = {
  sendAfter: when(
    "RFC 3339, at most RELAY_MAX_SEND_AFTER_HOURS (168 by default) ahead. Nothing of the job leaves before then; the ETA counts from it.",
  ),
  expiresAt: when(
    "RFC 3339, in the future and after `sendAfter`. Batches not started by then end `expired` and are never sent.",
  ),
  onUnknown: z.optional(
    z
      .enum(["retry", "fail"])
      .check(
        z.describe(
          "`retry` (default): at-least-once. `fail`: at-most-once; a U answer, a timeout or a lost send ends the batch `failed`, never resent.",
        ),
      ),
  ),
  callbackUrl: z.optional(
    z
      .string()
      .check(
        z.maxLength(MAX_CALLBACK_URL_CHARS),
        z.describe(
          "https, to a public address (and a host RELAY_CALLBACK_HOSTS lists, when set). When the job completes, its final document is POSTed here, signed with Standard Webhooks with this caller's callback secrets (GET /v1/callback-secrets), retried for up to 24 h (10 minutes for a job that sent nothing). Refused (429 `callbacks-pending`) while RELAY_MAX_PENDING_CALLBACKS of this caller's callbacks are undelivered.",
        ),
      ),
  ),
};

const PoliciesSchema = z.strictObject(PolicyFields);

/** A problem with the request body (the shape `invalid-request` lists). */
export interface PolicyError {
  index?: number;
  field: string;
  problem: string;
}

/** The submit request's policy members. */
export type Policies = Pick<SubmitRequest, "sendAfter" | "expiresAt" | "onUnknown" | "callbackUrl">;

/** The policies checked, or every problem found. */
export type SubmitPolicies = { ok: true; request: Policies } | { ok: false; errors: PolicyError[] };

/** How this relay sends callbacks: whether RELAY_CALLBACK_SECRET is set (`signing`), and where they may go. */
export interface CallbackSettings extends CallbackDestinations {
  signing: boolean;
}

/** Checks the policy values of a body; `now` in ms; `sendAfter` at most `maxSendAfterMs` ahead (RELAY_MAX_SEND_AFTER_HOURS). */
export function parseSubmitPolicies(
  values: Record<string, unknown>,
  now: number,
  callbacks: CallbackSettings,
  maxSendAfterMs = Number.POSITIVE_INFINITY,
): SubmitPolicies {
  const errors: PolicyError[] = [];
  const parsed = PoliciesSchema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      errors.push({ field: issue.path.join(".") || "(body)", problem: issue.message });
    return { ok: false, errors };
  }
  const request: Policies = {};
  const p = parsed.data;
  if (p.sendAfter !== undefined) {
    request.sendAfter = Date.parse(p.sendAfter);
    // Work held for years would hold its share of the backlog for years; its Retry-After would never come true.
    if (request.sendAfter > now + maxSendAfterMs) {
      errors.push({
        field: "sendAfter",
        problem: `is more than ${Math.round(maxSendAfterMs / 3_600_000)} hours ahead (RELAY_MAX_SEND_AFTER_HOURS)`,
      });
    }
  }
  if (p.expiresAt !== undefined) {
    request.expiresAt = Date.parse(p.expiresAt);
    if (request.expiresAt <= now) errors.push({ field: "expiresAt", problem: "is in the past" });
    else if (request.sendAfter !== undefined && request.expiresAt <= request.sendAfter) {
      errors.push({ field: "expiresAt", problem: "must be after sendAfter" });
    }
  }
  if (p.onUnknown !== undefined) request.onUnknown = p.onUnknown;
  if (p.callbackUrl !== undefined) {
    const problem = callbacks.signing
      ? callbackUrlProblem(p.callbackUrl, callbacks)
      : "callbacks are not enabled on this relay (RELAY_CALLBACK_SECRET is not set)";
    if (problem) errors.push({ field: "callbackUrl", problem });
    else request.callbackUrl = p.callbackUrl;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, request };
}
