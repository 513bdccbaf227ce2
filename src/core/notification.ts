/**
 * The validation rules of delegateSendNotification's `merchantId` and `notificationInfos`, in one place.
 *
 * The zod schemas here are the rules: the HTTP layer embeds them in its request schema and the OpenAPI
 * document is generated from them, while `validateNotifications` runs them to turn caller input into
 * wire-ready `NotificationInfo`s with an error for every bad element and field.
 */
import { z } from "zod";
import type { NotificationInfo } from "./types";

/** API page: "Every element's maximum length is 300", counted on the element's compact JSON. */
export const MAX_NOTIFICATION_CHARS = 300;

/** API page: `merchantId` is a string of length 64 at most. */
export const MAX_MERCHANT_ID_CHARS = 64;

/** The `field` of a FieldError about a whole element rather than one of its members. */
export const ELEMENT_FIELD = "(element)";

/** One problem with one input notification: its position, the field at fault, and what is wrong. */
export interface FieldError {
  index: number;
  field: string;
  problem: string;
}

const KNOWN_FIELDS = ["openId", "templateCode", "templateValue"] as const;

function requiredString(description: string, example: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
    .min(1, { error: "must not be empty" })
    .describe(description)
    .meta({ example });
}

/** True when `text` is JSON whose top-level value is an object (AlipayHK reads templateValue as one). */
function holdsJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** `templateValue` as callers may give it: a JSON string holding an object, or the object itself. */
export const TemplateValueSchema = z
  .union(
    [
      z.string().refine(holdsJsonObject, { error: "must be a JSON object, or a string holding a JSON object" }),
      z.record(z.string(), z.unknown()),
    ],
    {
      error: (issue) =>
        issue.input === undefined ? "is required" : "must be a JSON object, or a string holding a JSON object",
    },
  )
  .describe(
    "The template's variables: a JSON object, or a string holding one. An object is serialized compactly for AlipayHK.",
  )
  .meta({ example: { merchantName: "alipay", redirectUrl: "http://www.alipay.com/index.htm" } });

/** The compact JSON of an element as it goes on the wire, or null if its templateValue cannot be serialized. */
function wireJson(openId: string, templateCode: string, templateValue: unknown): string | null {
  try {
    const value = typeof templateValue === "string" ? templateValue : JSON.stringify(templateValue);
    return typeof value === "string" ? JSON.stringify({ openId, templateCode, templateValue: value }) : null;
  } catch {
    return null; // BigInt or a cycle: not representable as JSON
  }
}

/** One input notification (strict: unknown fields are errors, so that typos are caught). */
export const NotificationInputSchema = z
  .strictObject({
    openId: requiredString("The user's Alipay open ID.", "1234567890abcdefghijk1234567890ab"),
    templateCode: requiredString("The AlipayHK notification template.", "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL"),
    templateValue: TemplateValueSchema,
  })
  .superRefine((value, ctx) => {
    // zod runs this even when a member failed; only a well-typed element has a length to check.
    const { openId, templateCode, templateValue } = value as Record<string, unknown>;
    if (typeof openId !== "string" || typeof templateCode !== "string") return;
    if (typeof templateValue !== "string" && (typeof templateValue !== "object" || templateValue === null)) return;
    const json = wireJson(openId, templateCode, templateValue);
    if (json === null) {
      ctx.addIssue({ code: "custom", path: ["templateValue"], message: "cannot be serialized as JSON" });
      return;
    }
    // Counted in UTF-16 code units (JS `.length`), as AlipayHK's Java side counts String.length():
    // a character outside the BMP, such as an emoji, counts as 2.
    if (json.length > MAX_NOTIFICATION_CHARS) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `is ${json.length} characters as compact JSON; AlipayHK allows at most ${MAX_NOTIFICATION_CHARS}`,
      });
    }
  })
  .describe(
    "One notification for one user. Its compact JSON, with templateValue as a string, " +
      `must be at most ${MAX_NOTIFICATION_CHARS} characters.`,
  )
  .meta({
    example: {
      openId: "1234567890abcdefghijk1234567890ab",
      templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
      templateValue: { merchantName: "alipay", redirectUrl: "http://www.alipay.com/index.htm" },
    },
  });

/** An input notification as callers send it. */
export type NotificationInput = z.input<typeof NotificationInputSchema>;

/** `merchantId`: non-empty, at most 64 characters. */
export const MerchantIdSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
  .min(1, { error: "must not be empty" })
  .max(MAX_MERCHANT_ID_CHARS, { error: `must be at most ${MAX_MERCHANT_ID_CHARS} characters` })
  .describe("The AlipayHK merchant ID the notifications are sent for.")
  .meta({ example: "2160400000000177" });

/** The wire form of a validated input: an object templateValue becomes its compact JSON text. */
export function toNotificationInfo(input: NotificationInput): NotificationInfo {
  const templateValue =
    typeof input.templateValue === "string" ? input.templateValue : JSON.stringify(input.templateValue);
  return { openId: input.openId, templateCode: input.templateCode, templateValue };
}

function toFieldErrors(index: number, issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.flatMap((issue): FieldError[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        index,
        field: key,
        problem: `is not a known field (expected ${KNOWN_FIELDS.join(", ")})`,
      }));
    }
    const field = issue.path.length > 0 ? issue.path.map(String).join(".") : ELEMENT_FIELD;
    return [{ index, field, problem: issue.message }];
  });
}

/** Validates every input notification; on failure lists every problem of every bad element. */
export function validateNotifications(
  items: readonly unknown[],
): { ok: true; notifications: NotificationInfo[] } | { ok: false; errors: FieldError[] } {
  const notifications: NotificationInfo[] = [];
  const errors: FieldError[] = [];
  items.forEach((item, index) => {
    const parsed = NotificationInputSchema.safeParse(item);
    if (parsed.success) notifications.push(toNotificationInfo(parsed.data));
    else errors.push(...toFieldErrors(index, parsed.error.issues));
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, notifications };
}

/** Validates a merchantId (non-empty, ≤ 64 characters). */
export function validateMerchantId(value: unknown): { ok: true; merchantId: string } | { ok: false; problem: string } {
  const parsed = MerchantIdSchema.safeParse(value);
  if (parsed.success) return { ok: true, merchantId: parsed.data };
  return { ok: false, problem: parsed.error.issues[0]?.message ?? "is invalid" };
}
