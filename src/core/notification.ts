/**
 * The validation rules of delegateSendNotification's `merchantId` and `notificationInfos`, in one place.
 *
 * The schemas here declare the fields for the OpenAPI document and check each field's value;
 * `readNotification` reads one element straight from the request text, so that an object
 * templateValue keeps its exact text and each element's wire JSON is produced once.
 */
import * as z from "zod/mini";
import { notificationText } from "./batch";
import {
  type ScanError,
  type ScanState,
  scanKeyAndColon,
  scanOpening,
  scanSeparator,
  scanString,
  scanValueFrom,
} from "./json-scan";
import { type ErrorList, LONE_SURROGATE, quotedField, type RequestError } from "./request-errors";
import { compactJson, NOT_A_JSON_OBJECT, templateValueProblem } from "./template-value";

/** API page: "Every element's maximum length is 300", counted on the element's compact JSON. */
export const MAX_NOTIFICATION_CHARS = 300;

/** API page: `merchantId` is a string of length 64 at most. */
export const MAX_MERCHANT_ID_CHARS = 64;

/** The `field` of an error about a whole element rather than one of its members. */
export const ELEMENT_FIELD = "(element)";

/** Unknown fields named one by one per element; more are counted in one error (the work stays linear). */
export const MAX_UNKNOWN_FIELDS_NAMED = 5;

const stringError = (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : "must be a string");

function requiredString(description: string, example: string) {
  return z
    .string({ error: stringError })
    .check(z.minLength(1, { error: "must not be empty" }))
    .register(z.globalRegistry, { description, example });
}

/** `templateValue` as callers may give it: a JSON string holding an object, or the object itself. */
export const TemplateValueSchema = z.union([z.string(), z.record(z.string(), z.unknown())]).register(z.globalRegistry, {
  description:
    "The template's variables: a JSON object, or a string holding one. An object is sent to AlipayHK as its exact JSON text from the request, whitespace between tokens removed.",
  example: { merchantName: "alipay", redirectUrl: "http://www.alipay.com/index.htm" },
});

/** Longest `dedupKey`, in characters. */
export const MAX_DEDUP_KEY_CHARS = 128;

/** One input notification (strict: unknown fields are errors, so that typos are caught). */
export const NotificationInputSchema = z
  .strictObject({
    openId: requiredString("The user's Alipay open ID.", "1234567890abcdefghijk1234567890ab"),
    templateCode: requiredString("The AlipayHK notification template.", "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL"),
    templateValue: TemplateValueSchema,
    // The relay's own member: never sent to AlipayHK (the wire text has the three documented ones only).
    dedupKey: z.optional(
      z
        .string({ error: stringError })
        .check(
          z.minLength(1, { error: "must not be empty" }),
          z.maxLength(MAX_DEDUP_KEY_CHARS, { error: `must be at most ${MAX_DEDUP_KEY_CHARS} characters` }),
        )
        .register(z.globalRegistry, {
          description:
            "1..128 characters. A key this caller had accepted within RELAY_DEDUP_HOURS (or earlier in this request) is not sent again: the notification ends `deduplicated`.",
          example: "order-8841-paid",
        }),
    ),
  })
  .register(z.globalRegistry, {
    description:
      "One notification for one user. Its compact JSON, with templateValue as a string, " +
      `must be at most ${MAX_NOTIFICATION_CHARS} characters.`,
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
  .string({ error: stringError })
  .check(
    z.minLength(1, { error: "must not be empty" }),
    z.maxLength(MAX_MERCHANT_ID_CHARS, { error: `must be at most ${MAX_MERCHANT_ID_CHARS} characters` }),
  )
  .register(z.globalRegistry, {
    description: "The AlipayHK merchant ID the notifications are sent for.",
    example: "2160400000000177",
  });

/** Validates a merchantId (non-empty, ≤ 64 characters, valid Unicode). */
export function validateMerchantId(value: unknown): { ok: true; merchantId: string } | { ok: false; problem: string } {
  if (typeof value === "string" && !value.isWellFormed()) return { ok: false, problem: LONE_SURROGATE };
  const parsed = MerchantIdSchema.safeParse(value);
  if (parsed.success) return { ok: true, merchantId: parsed.data };
  return { ok: false, problem: parsed.error.issues[0]?.message ?? "is invalid" };
}

/** The documented members of an element, in wire order. */
const FIELDS = Object.keys(NotificationInputSchema.shape) as (keyof typeof NotificationInputSchema.shape)[];
type Field = (typeof FIELDS)[number];
type Span = readonly [start: number, end: number];

const isField = (name: string): name is Field => (FIELDS as string[]).includes(name);

/**
 * One element read from the request text: its wire JSON, or null when it had errors (added to the
 * list); `paused` when it runs past `stopAt` (the caller decides what a huge element is worth).
 */
export type ElementRead =
  | { ok: true; end: number; wire: string | null; dedupKey: string | null }
  | { ok: "paused"; state: ScanState }
  | ScanError;

/**
 * Reads the element starting at `text[start]` and checks every rule, adding each problem (with
 * `index`) to `errors`. Returns a ScanError only when the text is not JSON. Stops, adding nothing,
 * once the element runs past `stopAt`: the work is linear in the text read, and bounded by it.
 */
export function readNotification(
  text: string,
  start: number,
  index: number,
  errors: ErrorList,
  stopAt = Number.POSITIVE_INFINITY,
): ElementRead {
  if (text[start] !== "{") {
    const skipped = scanValueFrom(text, { i: start, open: [] }, stopAt);
    if (skipped.ok === true) errors.add({ index, field: ELEMENT_FIELD, problem: "must be a JSON object" });
    return skipped.ok === true ? { ok: true, end: skipped.end, wire: null, dedupKey: null } : skipped;
  }
  const members = readMembers(text, start, index, stopAt);
  if (members.ok !== true) return members;
  for (const problem of members.problems) errors.add(problem);
  const openId = readString(text, members.spans.openId, index, "openId", errors);
  const templateCode = readString(text, members.spans.templateCode, index, "templateCode", errors);
  const templateValue = readTemplateValue(text, members.spans.templateValue, index, errors);
  const dedupSpan = members.spans.dedupKey;
  const dedupKey = dedupSpan === undefined ? null : readString(text, dedupSpan, index, "dedupKey", errors);
  if (
    members.problems.length > 0 ||
    openId === undefined ||
    templateCode === undefined ||
    templateValue === undefined ||
    dedupKey === undefined
  ) {
    return { ok: true, end: members.end, wire: null, dedupKey: null };
  }
  const wire = notificationText({ openId, templateCode, templateValue });
  // Counted in UTF-16 code units (JS `.length`), as AlipayHK's Java side counts String.length():
  // a character outside the BMP, such as an emoji, counts as 2.
  if (wire.length > MAX_NOTIFICATION_CHARS) {
    const problem = `is ${wire.length} characters as compact JSON; AlipayHK allows at most ${MAX_NOTIFICATION_CHARS}`;
    errors.add({ index, field: ELEMENT_FIELD, problem });
    return { ok: true, end: members.end, wire: null, dedupKey: null };
  }
  return { ok: true, end: members.end, wire, dedupKey };
}

type Members =
  | { ok: true; end: number; spans: Partial<Record<Field, Span>>; problems: RequestError[] }
  | { ok: "paused"; state: ScanState }
  | ScanError;

/** Finds the documented members' value spans; lists duplicates and unknown fields (a bounded number by name). */
function readMembers(text: string, start: number, index: number, stopAt: number): Members {
  const spans: Partial<Record<Field, Span>> = {};
  const problems: RequestError[] = [];
  let unknown = 0;
  let next = scanOpening(text, start, "}");
  while (next.ok && !next.closed) {
    const key = scanKeyAndColon(text, next.next);
    if (!key.ok) return key;
    // Paused states are relative to the element: a value is expected inside its braces.
    if (key.end >= stopAt) return { ok: "paused", state: { i: key.end, open: ["{"] } };
    // Most members are strings: scanned directly, without the state of a resumable scan.
    const value =
      text[key.end] === '"' ? scanString(text, key.end, false) : scanValueFrom(text, { i: key.end, open: [] }, stopAt);
    if (value.ok === "paused") return { ok: "paused", state: { i: value.state.i, open: ["{", ...value.state.open] } };
    if (!value.ok) return value;
    const name = key.value ?? "";
    if (!isField(name)) {
      unknown++;
      const problem = `is not a known field (expected ${FIELDS.join(", ")})`;
      if (unknown <= MAX_UNKNOWN_FIELDS_NAMED) problems.push({ index, field: quotedField(name), problem });
    } else if (spans[name] !== undefined) {
      // JSON parsers disagree on which copy of a repeated name wins; the caller must say which one.
      problems.push({ index, field: name, problem: "appears more than once" });
    } else {
      spans[name] = [key.end, value.end];
    }
    next = scanSeparator(text, value.end, "}");
  }
  if (!next.ok) return next;
  if (unknown > MAX_UNKNOWN_FIELDS_NAMED) {
    const problem = `has ${unknown - MAX_UNKNOWN_FIELDS_NAMED} more unknown fields`;
    problems.push({ index, field: ELEMENT_FIELD, problem });
  }
  return { ok: true, end: next.next, spans, problems };
}

/** The decoded value of a string token at `span`, or undefined when absent or not a string. */
function decodedString(text: string, span: Span | undefined): string | undefined {
  if (span === undefined || text[span[0]] !== '"') return undefined;
  const raw = text.slice(span[0] + 1, span[1] - 1);
  // Without a backslash the text between the quotes is the value itself.
  return raw.includes("\\") ? (scanString(text, span[0], true).value ?? "") : raw;
}

/** openId or templateCode: a non-empty string of valid Unicode, checked with the field's schema. */
function readString(
  text: string,
  span: Span | undefined,
  index: number,
  field: "openId" | "templateCode" | "dedupKey",
  errors: ErrorList,
): string | undefined {
  const value = decodedString(text, span);
  if (value !== undefined && !value.isWellFormed()) {
    errors.add({ index, field, problem: LONE_SURROGATE });
    return undefined;
  }
  // A present non-string is shown to the schema as null: it says "must be a string", as for null itself.
  const parsed = NotificationInputSchema.shape[field].safeParse(span === undefined ? undefined : (value ?? null));
  if (parsed.success) return parsed.data;
  errors.add({ index, field, problem: parsed.error.issues[0]?.message ?? "is invalid" });
  return undefined;
}

/** templateValue's wire text: a string's decoded value as given, or an object's exact text, compacted. */
function readTemplateValue(text: string, span: Span | undefined, index: number, errors: ErrorList): string | undefined {
  if (span === undefined) {
    errors.add({ index, field: "templateValue", problem: "is required" });
    return undefined;
  }
  const inline = text[span[0]] === "{";
  const json = inline ? compactJson(text, span[0], span[1]) : decodedString(text, span);
  if (json === undefined) {
    errors.add({ index, field: "templateValue", problem: NOT_A_JSON_OBJECT });
    return undefined;
  }
  // A lone surrogate in the string itself (`"\ud800"`); ones escaped inside the JSON text are found by parsing.
  if (!json.isWellFormed()) {
    errors.add({ index, field: "templateValue", problem: LONE_SURROGATE });
    return undefined;
  }
  // Longer than a whole element may be: refused for its length by the caller, not worth parsing.
  if (json.length > MAX_NOTIFICATION_CHARS) return json;
  const problem = templateValueProblem(json, inline);
  if (problem === null) return json;
  errors.add({ index, field: "templateValue", problem });
  return undefined;
}
