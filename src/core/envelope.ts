/**
 * The delegateSendNotification request envelope: `{"request":{"head":…,"body":…},"signature":"…"}`.
 *
 * AlipayHK verifies the signature over the exact text of the `request` value, so the request is
 * serialized once, that text is signed, and the wire body is built by concatenating around the very
 * same string — never by serializing a second time.
 */
import { signText } from "./signer";

/** `head.version` of this API (API page: "2.0.0", ≤ 8 characters). */
export const API_VERSION = "2.0.0";

/** `head.function` of this API (≤ 128 characters). */
export const SEND_NOTIFICATION_FUNCTION = "alipay.intl.user.inform.delegateSendNotification";

/** Hong Kong's UTC offset in minutes (+08:00, no daylight saving): the default for `reqTime`. */
export const HONG_KONG_UTC_OFFSET_MINUTES = 480;

/** `request.head`, with members in the API page's order. */
export interface RequestHead {
  version: string;
  function: string;
  clientId: string;
  reqTime: string;
  reqMsgId: string;
  reserve: string;
}

/** What a request needs; `now`, `newReqMsgId` and the offset are injectable so that tests are exact. */
export interface EnvelopeInput {
  clientId: string;
  merchantId: string;
  /**
   * The batch's `notificationInfos` array as compact JSON text (see `WireBatch`): spliced in unchanged,
   * so a batch is serialized once when accepted, not again for every attempt.
   */
  notificationInfos: string;
  now?: () => Date;
  newReqMsgId?: () => string;
  /** UTC offset written in `reqTime`, in minutes east of UTC (default 480, Hong Kong). */
  utcOffsetMinutes?: number;
}

/** A built request: its head, the one serialization of the request that is signed, and its ids. */
export interface BuiltRequest {
  head: RequestHead;
  /** Compact JSON of `request`: the exact text signed and embedded in the wire body. */
  requestText: string;
  reqMsgId: string;
  reqTime: string;
}

/** A signed request ready to POST. */
export interface SignedEnvelope extends BuiltRequest {
  signature: string;
  /** The HTTP body: `{"request":<requestText>,"signature":"<signature>"}`. */
  wireText: string;
}

/** True for a whole number of minutes that RFC 3339 can write as ±HH:MM (|offset| < 24 h). */
export function isValidUtcOffsetMinutes(offsetMinutes: number): boolean {
  return Number.isInteger(offsetMinutes) && Math.abs(offsetMinutes) < 24 * 60;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/**
 * `now` as RFC 3339 §5.6 local time with an explicit numeric offset and whole seconds, e.g.
 * `2026-11-26T12:08:56+08:00` (API page sample: `2001-07-04T12:08:56+05:30`). Throws RangeError for an
 * invalid date or offset (a programming or configuration error, checked where configuration is parsed).
 */
export function formatReqTime(now: Date, utcOffsetMinutes: number = HONG_KONG_UTC_OFFSET_MINUTES): string {
  if (!isValidUtcOffsetMinutes(utcOffsetMinutes)) throw new RangeError(`invalid UTC offset ${utcOffsetMinutes} min`);
  if (Number.isNaN(now.getTime())) throw new RangeError("invalid date");
  // Shift the instant by the offset, then read UTC fields: those are the wall-clock fields at that offset.
  const local = new Date(now.getTime() + utcOffsetMinutes * 60_000);
  const year = String(local.getUTCFullYear()).padStart(4, "0");
  const date = `${year}-${pad2(local.getUTCMonth() + 1)}-${pad2(local.getUTCDate())}`;
  const time = `${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:${pad2(local.getUTCSeconds())}`;
  const sign = utcOffsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(utcOffsetMinutes);
  return `${date}T${time}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** A fresh reqMsgId: a random UUID (36 characters, within the API's 64). */
export function newReqMsgId(): string {
  return crypto.randomUUID();
}

/** Builds the request's single compact serialization. Pure apart from the injected clock and ids. */
export function buildRequest(input: EnvelopeInput): BuiltRequest {
  const reqTime = formatReqTime((input.now ?? (() => new Date()))(), input.utcOffsetMinutes);
  const reqMsgId = (input.newReqMsgId ?? newReqMsgId)();
  const head: RequestHead = {
    version: API_VERSION,
    function: SEND_NOTIFICATION_FUNCTION,
    clientId: input.clientId,
    reqTime,
    reqMsgId,
    reserve: "{}",
  };
  // Members in the API page's order; the infos text is already compact JSON and goes in as it is.
  const body = `{"merchantId":${JSON.stringify(input.merchantId)},"notificationInfos":${input.notificationInfos}}`;
  return { head, requestText: `{"head":${JSON.stringify(head)},"body":${body}}`, reqMsgId, reqTime };
}

/** The HTTP body around an already-serialized request text; the text is embedded unchanged. */
export function toWireText(requestText: string, signature: string): string {
  return `{"request":${requestText},"signature":${JSON.stringify(signature)}}`;
}

/** Builds a request, signs its exact text with the merchant's key, and wraps both for the wire. */
export async function signEnvelope(signingKey: CryptoKey, input: EnvelopeInput): Promise<SignedEnvelope> {
  const built = buildRequest(input);
  const signature = await signText(signingKey, built.requestText);
  return { ...built, signature, wireText: toWireText(built.requestText, signature) };
}
