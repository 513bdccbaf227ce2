/**
 * Reading a submission (`{"merchantId"?, "notifications": [...]}`) straight from the request text.
 *
 * One pass over the text checks the JSON grammar, every rule of every element, and builds each
 * batch's `notificationInfos` wire text (each element's compact JSON produced once). The pass works in
 * slices and yields to the event loop between them: one isolate serves many requests on one thread,
 * and a 10,000-notification body read in one go would delay every timer and every send of the others
 * (issue 9). Error lists are bounded (request-errors.ts), so a crafted body cannot make a huge answer.
 */
import { type WireBatch, MAX_BATCH_SIZE, wireBatch } from "./batch";
import {
  type ScanError,
  type ScanState,
  type Step,
  scanKeyAndColon,
  scanOpening,
  scanSeparator,
  scanValueFrom,
  skipWhitespace,
} from "./json-scan";
import {
  ELEMENT_FIELD,
  type ElementRead,
  MAX_NOTIFICATION_CHARS,
  readNotification,
  validateMerchantId,
} from "./notification";
import { ErrorList, type RequestError, quotedField } from "./request-errors";

/** Longest element text read in full, in characters; a longer one cannot be a 300-character element worth reading. */
export const MAX_ELEMENT_TEXT_CHARS = 65_536;

const TOO_LONG_ELEMENT = `spans more than ${MAX_ELEMENT_TEXT_CHARS} characters of request text; an element may be at most ${MAX_NOTIFICATION_CHARS} as compact JSON`;

/** What the caller's configuration allows. */
export interface SubmissionLimits {
  /** Most notifications in one request (RELAY_MAX_NOTIFICATIONS_PER_REQUEST). */
  maxNotifications: number;
}

/** How the pass is sliced; the defaults suit production, tests inject `yieldNow` to watch the slices. */
export interface SliceOptions {
  /** Elements read between two yields. */
  elements?: number;
  /** Characters of text scanned between two yields (bounds a slice of huge or unknown values too). */
  chars?: number;
  /** Lets other work run; by default the runtime's cheapest way back to the event loop. */
  yieldNow?: () => Promise<void>;
}

/**
 * A slice of 500 elements (~85 KB) takes ~2–3 ms to read on workerd; a timer-based yield costs ~1.2 ms
 * of waiting there (a MessageChannel "yield" lets no timer run), so slices are not made much smaller.
 */
const DEFAULT_SLICE_ELEMENTS = 500;
const DEFAULT_SLICE_CHARS = 131_072;

/** The body's delivery-policy members (parsed and checked by the HTTP layer's policy rules). */
export const POLICY_FIELDS = ["sendAfter", "expiresAt", "onUnknown", "callbackUrl"] as const;

/** Longest policy value read, in characters of request text: they are timestamps, words and a URL. */
const MAX_POLICY_TEXT_CHARS = 4096;

/** The body read: merchant resolved and batches ready to store, or why it was refused. */
export type Submission =
  | { ok: true; merchantId: string; total: number; batches: WireBatch[]; policies: Record<string, unknown> }
  | { ok: false; kind: "malformed-json"; detail: string }
  | {
      ok: false;
      kind: "invalid-request";
      errors: RequestError[];
      truncated: boolean;
      /** The policy members read so far, so that their problems can be listed in the same answer. */
      policies: Record<string, unknown>;
    }
  | { ok: false; kind: "too-many-notifications"; count: number; limit: number };

/** Yields to the event loop: `scheduler.yield` where it exists, else `setImmediate` (workerd, Node), else a 0 ms timer (Deno). */
export function yieldToEventLoop(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof scheduler?.yield === "function") return scheduler.yield();
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

/** Counts the work since the last yield and yields when a slice is full. */
class Slicer {
  private elements = 0;
  private mark = 0;
  readonly maxElements: number;
  readonly maxChars: number;
  private readonly yieldNow: () => Promise<void>;

  constructor(options: SliceOptions) {
    this.maxElements = options.elements ?? DEFAULT_SLICE_ELEMENTS;
    this.maxChars = options.chars ?? DEFAULT_SLICE_CHARS;
    this.yieldNow = options.yieldNow ?? yieldToEventLoop;
  }

  /** Records one element (or member) ending at text offset `at`; yields when the slice is full. */
  async tick(at: number): Promise<void> {
    if (++this.elements >= this.maxElements || at - this.mark >= this.maxChars) await this.pause(at);
  }

  /** Yields now; the next slice starts at `at`. */
  async pause(at: number): Promise<void> {
    this.elements = 0;
    this.mark = at;
    await this.yieldNow();
  }
}

/** Scans one value of any size, yielding every slice's worth of characters. */
async function skipValue(text: string, state: ScanState, slicer: Slicer): Promise<Step> {
  for (;;) {
    const step = scanValueFrom(text, state, state.i + slicer.maxChars);
    if (step.ok !== "paused") return step;
    state = step.state;
    await slicer.pause(state.i);
  }
}

/** What reading the `notifications` array found. */
interface Collected {
  count: number;
  batches: WireBatch[];
}

/** Reads the `notifications` array at `start`: every element checked (up to the limit and the error bound), batches packed. */
async function readNotifications(
  text: string,
  start: number,
  limit: number,
  errors: ErrorList,
  slicer: Slicer,
): Promise<({ ok: true; end: number } & Collected) | ScanError> {
  const batches: WireBatch[] = [];
  let pending: string[] = [];
  let keys: (string | null)[] = [];
  let count = 0;
  let next = scanOpening(text, start, "]");
  while (next.ok && !next.closed) {
    const index = count++;
    // Past the limit or the error bound nothing more can be reported: the rest is only checked as JSON.
    const reading = count <= limit && !errors.truncated;
    let end: number;
    const element: ElementRead = reading
      ? readNotification(text, next.next, index, errors, next.next + MAX_ELEMENT_TEXT_CHARS)
      : { ok: "paused", state: { i: next.next, open: [] } };
    if (element.ok === "paused") {
      // Past the limit, or an element too long to be worth reading: only its JSON is checked, in slices.
      const rest = await skipValue(text, element.state, slicer);
      if (!rest.ok) return rest;
      end = rest.end;
      if (reading) errors.add({ index, field: ELEMENT_FIELD, problem: TOO_LONG_ELEMENT });
    } else if (!element.ok) {
      return element;
    } else {
      end = element.end;
      // Once anything is wrong nothing will be queued: stop building batches.
      if (element.wire !== null && errors.empty) {
        pending.push(element.wire);
        keys.push(element.dedupKey);
        if (pending.length === MAX_BATCH_SIZE) {
          batches.push(wireBatch(pending, keys));
          pending = [];
          keys = [];
        }
      }
    }
    await slicer.tick(end);
    next = scanSeparator(text, end, "]");
  }
  if (!next.ok) return next;
  if (pending.length > 0) batches.push(wireBatch(pending, keys));
  return { ok: true, end: next.next, count, batches };
}

const malformedJson = (error: ScanError): Submission => ({
  ok: false,
  kind: "malformed-json",
  detail: error.offset === undefined ? error.detail : `${error.detail} at character ${error.offset}`,
});

const invalid = (errors: ErrorList, policies: Record<string, unknown> = {}): Submission => ({
  ok: false,
  kind: "invalid-request",
  errors: errors.items,
  truncated: errors.truncated,
  policies,
});

/**
 * Reads and checks a whole submission from its text. All or nothing: batches only when every rule
 * holds. Precedence, as callers see it: malformed JSON, then the body's own fields, then the count
 * limit, then the elements. Never throws for any input text.
 */
export async function parseSubmission(
  text: string,
  defaultMerchantId: string | undefined,
  limits: SubmissionLimits,
  slicing: SliceOptions = {},
): Promise<Submission> {
  const slicer = new Slicer(slicing);
  const bodyErrors = new ErrorList();
  const elementErrors = new ErrorList();
  const start = skipWhitespace(text, 0);
  let end: number;
  let merchantSpan: readonly [number, number] | undefined;
  const policySpans = new Map<string, readonly [number, number]>();
  let collected: Collected | undefined;

  if (text[start] !== "{") {
    const value = await skipValue(text, { i: start, open: [] }, slicer);
    if (!value.ok) return malformedJson(value);
    end = value.end;
    bodyErrors.add({ field: "(body)", problem: "must be a JSON object" });
  } else {
    let next = scanOpening(text, start, "}");
    while (next.ok && !next.closed) {
      const key = scanKeyAndColon(text, next.next);
      if (!key.ok) return malformedJson(key);
      const name = key.value ?? "";
      let valueEnd: number;
      if (name === "notifications" && collected === undefined && text[key.end] === "[") {
        const list = await readNotifications(text, key.end, limits.maxNotifications, elementErrors, slicer);
        if (!list.ok) return malformedJson(list);
        collected = list;
        valueEnd = list.end;
      } else {
        const value = await skipValue(text, { i: key.end, open: [] }, slicer);
        if (!value.ok) return malformedJson(value);
        valueEnd = value.end;
        if (name === "merchantId" && merchantSpan === undefined) merchantSpan = [key.end, value.end];
        else if (name === "merchantId" || policySpans.has(name)) {
          bodyErrors.add({ field: name, problem: "appears more than once" });
        } else if ((POLICY_FIELDS as readonly string[]).includes(name)) {
          if (value.end - key.end > MAX_POLICY_TEXT_CHARS) {
            bodyErrors.add({ field: name, problem: `is longer than ${MAX_POLICY_TEXT_CHARS} characters` });
          } else policySpans.set(name, [key.end, value.end]);
        } else if (name === "notifications") {
          bodyErrors.add({
            field: name,
            problem: collected === undefined ? "must be an array" : "appears more than once",
          });
          collected ??= { count: 0, batches: [] }; // a later well-formed array must not be taken as the list
        } else {
          bodyErrors.add({
            field: quotedField(name),
            problem: `is not a known field (expected merchantId, notifications, ${POLICY_FIELDS.join(", ")})`,
          });
        }
      }
      await slicer.tick(valueEnd);
      next = scanSeparator(text, valueEnd, "}");
    }
    if (!next.ok) return malformedJson(next);
    end = next.next;
  }
  const trailing = skipWhitespace(text, end);
  if (trailing !== text.length)
    return malformedJson({
      ok: false,
      reason: "malformed",
      detail: "trailing characters after the JSON value",
      offset: trailing,
    });

  // Small values (bounded above): parsing each token is the simplest exact reading.
  const policies = Object.fromEntries(
    [...policySpans].map(([name, [from, to]]) => [name, JSON.parse(text.slice(from, to))]),
  );
  const merchantId = resolveMerchant(text, merchantSpan, defaultMerchantId, bodyErrors);
  if (bodyErrors.empty && collected === undefined) bodyErrors.add({ field: "notifications", problem: "is required" });
  if (bodyErrors.empty && collected?.count === 0)
    bodyErrors.add({ field: "notifications", problem: "must hold at least one notification" });
  if (!bodyErrors.empty || merchantId === undefined || collected === undefined) return invalid(bodyErrors, policies);
  if (collected.count > limits.maxNotifications) {
    return { ok: false, kind: "too-many-notifications", count: collected.count, limit: limits.maxNotifications };
  }
  if (!elementErrors.empty) return invalid(elementErrors, policies);
  return { ok: true, merchantId, total: collected.count, batches: collected.batches, policies };
}

/** The body's merchantId (a string; `null` is not "absent"), else the configured default. */
function resolveMerchant(
  text: string,
  span: readonly [number, number] | undefined,
  fallback: string | undefined,
  errors: ErrorList,
): string | undefined {
  if (span === undefined && fallback === undefined) {
    errors.add({ field: "merchantId", problem: "is required (no ALIPAY_MERCHANT_ID default is configured)" });
    return undefined;
  }
  let value: unknown = fallback;
  if (span !== undefined) {
    const [from, to] = span;
    // Every JSON value but a string is refused; parsing the (bounded) token is the simplest exact reading.
    value = text[from] === '"' ? (JSON.parse(text.slice(from, to)) as string) : null;
  }
  const merchant = validateMerchantId(value);
  if (merchant.ok) return merchant.merchantId;
  errors.add({ field: "merchantId", problem: merchant.problem });
  return undefined;
}
