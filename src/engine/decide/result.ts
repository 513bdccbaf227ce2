import type { SendOutcome } from "../../core/types";
import type { AttemptResult } from "../api";

/**
 * The code and message a job shows for one attempt. Transport failures have no AlipayHK code, so they
 * get relay codes with status `U`: AlipayHK may or may not have processed the request.
 */
export function attemptResult(outcome: SendOutcome): AttemptResult {
  const resultClass = outcome.resultClass;
  if (outcome.kind === "answered" && outcome.resultInfo) {
    const { resultStatus, resultCode, resultMsg } = outcome.resultInfo;
    return { resultClass, resultStatus, resultCode, resultMsg };
  }
  const code = RELAY_CODES[outcome.kind];
  const resultCode = outcome.kind === "http-error" ? `${code}_${outcome.httpStatus ?? 0}` : code;
  return { resultClass, resultStatus: "U", resultCode, resultMsg: outcome.detail ?? resultCode };
}

/** Relay result codes for attempts that ended without a trusted AlipayHK answer. */
export const RELAY_CODES = {
  answered: "MALFORMED_ANSWER",
  unverified: "UNVERIFIED_ANSWER",
  malformed: "MALFORMED_ANSWER",
  "http-error": "HTTP",
  timeout: "TIMEOUT",
  "network-error": "NETWORK_ERROR",
  "not-sent": "NOT_SENT",
  "missed-slot": "MISSED_SLOT",
  lost: "LOST_IN_FLIGHT",
} as const satisfies Record<SendOutcome["kind"], string>;

/** An outcome the relay records itself, with no answer from AlipayHK: never sent, or lost in flight. */
export function relayOutcome(kind: "not-sent" | "lost", reqMsgId: string, detail: string, now: number): SendOutcome {
  return {
    kind,
    resultClass: "unknown",
    reqMsgId,
    reqTime: new Date(now).toISOString(),
    latencyMs: 0,
    verified: false,
    detail,
  };
}

/** The one log line of a request's attempt: ids, codes and figures only (never payloads or key material). */
export function attemptLogLine(
  request: { request_id: number; size: number },
  attempt: number,
  outcome: SendOutcome,
  result: AttemptResult,
  next: string,
): { event: string } & Record<string, string | number | boolean | null> {
  return {
    event: "attempt",
    requestId: request.request_id,
    reqMsgId: outcome.reqMsgId,
    size: request.size,
    attempt,
    resultStatus: result.resultStatus,
    resultCode: result.resultCode,
    latencyMs: Math.round(outcome.latencyMs),
    httpStatus: outcome.httpStatus ?? null,
    verified: outcome.verified,
    detail: outcome.kind === "answered" ? null : (outcome.detail ?? null),
    next,
  };
}
