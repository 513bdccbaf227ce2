/** Shared shapes of the AlipayHK protocol core. Web APIs only: no runtime-specific imports here. */

/** `RSA` = SHA1withRSA (the 2.0.0 pages), `RSA2` = SHA256withRSA; fixed per clientId at onboarding. */
export type SignAlgorithm = "RSA" | "RSA2";

/** One element of `notificationInfos`, as sent on the wire (`templateValue` is a JSON *string*). */
export interface NotificationInfo {
  openId: string;
  templateCode: string;
  templateValue: string;
}

/** AlipayHK's `resultInfo` (response body). */
export interface ResultInfo {
  resultStatus: string;
  resultCodeId: string;
  resultCode: string;
  resultMsg: string;
}

/**
 * What a result means for the relay:
 * - `success`: delivered (S);
 * - `final`: refused for good, do not resend the same thing (F);
 * - `traffic`: REQUEST_TRAFFIC_EXCEED_LIMIT or HTTP 429, refused before processing, safe to resend;
 * - `unknown`: may or may not have been processed (U, unknown codes, timeouts, 5xx, unverifiable answers).
 */
export type ResultClass = "success" | "final" | "traffic" | "unknown";

/** How one send attempt ended, from the transport's point of view. */
export type OutcomeKind =
  | "answered" // a 2xx answer whose signature verified and whose resultInfo parsed
  | "unverified" // a 2xx answer whose signature is missing or does not verify
  | "malformed" // a 2xx answer that is not the documented JSON shape
  | "http-error" // a non-2xx status
  | "timeout" // no answer within the timeout
  | "network-error" // fetch itself failed
  | "not-sent" // the request never left the relay (signing failed, relay misconfigured)
  | "lost" // the sender never reported back before its lease ran out: the request may have left
  | "missed-slot"; // held back: it was ready too late for its pacing slot, so it did not leave

/** The classified outcome of sending one batch once. Never thrown: always returned. */
export interface SendOutcome {
  kind: OutcomeKind;
  resultClass: ResultClass;
  /** Present when the gateway answered with a resultInfo (verified or not). */
  resultInfo?: ResultInfo;
  /** The reqMsgId this attempt used. */
  reqMsgId: string;
  /** The reqTime this attempt used (RFC 3339 with offset). */
  reqTime: string;
  /** HTTP status, when there was a response. */
  httpStatus?: number;
  /** From just before fetch to the end of reading the answer, in ms. */
  latencyMs: number;
  /** When the request was handed to fetch, ms epoch; absent when it never left. */
  sentAt?: number;
  /** True only when the answer's signature verified with Alipay's public key. */
  verified: boolean;
  /** A short human-readable reason for non-`answered` outcomes (never key material). */
  detail?: string;
  /** An HTTP 429's `Retry-After`, ms from the answer (capped): no request leaves before it has passed. */
  retryAfterMs?: number;
}
