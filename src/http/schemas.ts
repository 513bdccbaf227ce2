import { z } from "zod";
import { MerchantIdSchema, NotificationInputSchema, validateMerchantId } from "../core/notification";

/**
 * The body of `POST /v1/notifications`, composed from the core's rules (the same schema objects that
 * validate each notification), so the documentation cannot drift from the checks.
 */
export const SubmitBodySchema = z
  .strictObject({
    merchantId: MerchantIdSchema.optional().describe(
      "The AlipayHK merchant ID; defaults to the relay's ALIPAY_MERCHANT_ID.",
    ),
    notifications: z
      .array(NotificationInputSchema)
      .min(1)
      .describe("Any number of notifications, up to the relay's per-request limit."),
  })
  .describe("Notifications to send to AlipayHK users.");

// The outer shape only: elements are checked one by one afterwards so every bad element is listed.
const EnvelopeSchema = z.strictObject({
  merchantId: z.unknown().optional(),
  notifications: z.array(z.unknown()).min(1, { error: "must hold at least one notification" }),
});

/** A problem with the request body; `index` is present when it concerns one notification. */
export interface RequestError {
  index?: number;
  field: string;
  problem: string;
}

/** The outer body checked: merchant resolved, notifications still to be validated one by one. */
export type SubmitEnvelope = { ok: true; merchantId: string; items: unknown[] } | { ok: false; errors: RequestError[] };

/** Checks the body's outer shape and resolves the merchant (the body's, else the configured default). */
export function parseSubmitEnvelope(json: unknown, defaultMerchantId: string | undefined): SubmitEnvelope {
  const parsed = EnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => ({
        field: issue.path.length ? issue.path.join(".") : "(body)",
        problem: issue.path.length || issue.code !== "invalid_type" ? issue.message : "must be a JSON object",
      })),
    };
  }
  const merchant = validateMerchantId(parsed.data.merchantId ?? defaultMerchantId);
  if (!merchant.ok) {
    const problem =
      parsed.data.merchantId === undefined
        ? "is required (no ALIPAY_MERCHANT_ID default is configured)"
        : merchant.problem;
    return { ok: false, errors: [{ field: "merchantId", problem }] };
  }
  return { ok: true, merchantId: merchant.merchantId, items: parsed.data.notifications };
}
