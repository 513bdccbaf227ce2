/**
 * The delivery policies of a submit body: `sendAfter`, `expiresAt`, `onUnknown` and `callbackUrl`
 * (each notification's `dedupKey` is a member of the notification, see core/notification.ts). Declared
 * once here: the submit body's schema includes these fields (the OpenAPI document shows them), and
 * `parseSubmitPolicies` checks the values `parseSubmission` took out of the body.
 */
import * as z from "zod/mini";
import { isLoopbackHost } from "../config/values";
import type { SubmitRequest } from "../engine/api";

/** Longest `callbackUrl`, in characters. */
export const MAX_CALLBACK_URL_CHARS = 2048;

const when = (description: string) => z.optional(z.iso.datetime({ offset: true }).check(z.describe(description)));

/** The policy members of the body. */
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

/** Checks the policy values of a body; `now` in ms; `signing` says whether RELAY_CALLBACK_SECRET is set. */
export function parseSubmitPolicies(values: Record<string, unknown>, now: number, signing: boolean): SubmitPolicies {
  const errors: PolicyError[] = [];
  const parsed = PoliciesSchema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push({ field: issue.path.join(".") || "(body)", problem: issue.message });
    return { ok: false, errors };
  }
  const request: Policies = {};
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
  return errors.length > 0 ? { ok: false, errors } : { ok: true, request };
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
