/**
 * Reading AlipayHK's answer: `{"response":{"head":…,"body":{"resultInfo":…}},"signature":"…"}`.
 *
 * The signature covers the exact received text of the `response` value, so that text is cut out of
 * the body (json-scan), never re-serialized. An answer whose signature does not verify with Alipay's
 * public key is not trusted: whatever it says, the outcome is `unknown`.
 */
import { cutSignedMessage } from "./json-scan";
import { classifyResult } from "./result-codes";
import { verifyText } from "./signer";
import type { ResultInfo, SendOutcome } from "./types";

/** Largest answer body read, in bytes: AlipayHK's answers are well under 1 KiB; a bigger one is not its answer. */
export const MAX_ANSWER_BYTES = 65_536;

/** The part of a SendOutcome that the answer alone decides. */
export type AnswerOutcome = Pick<
  SendOutcome,
  "kind" | "resultClass" | "resultInfo" | "httpStatus" | "verified" | "detail"
>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What the `response` value says, if it has the documented shape; never throws. */
export function parseResponseValue(raw: string): { resultInfo: ResultInfo | null; reqMsgId: string | null } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { resultInfo: null, reqMsgId: null };
  }
  if (!isObject(value)) return { resultInfo: null, reqMsgId: null };
  const head = isObject(value.head) ? value.head : {};
  const reqMsgId = typeof head.reqMsgId === "string" ? head.reqMsgId : null;
  const info = isObject(value.body) && isObject(value.body.resultInfo) ? value.body.resultInfo : null;
  if (info === null) return { resultInfo: null, reqMsgId };
  const { resultStatus, resultCodeId, resultCode, resultMsg } = info;
  if (typeof resultStatus !== "string" || typeof resultCodeId !== "string" || typeof resultCode !== "string") {
    return { resultInfo: null, reqMsgId };
  }
  // resultMsg is free text for people; its absence does not change what the answer means.
  const msg = typeof resultMsg === "string" ? resultMsg : "";
  return { resultInfo: { resultStatus, resultCodeId, resultCode, resultMsg: msg }, reqMsgId };
}

/** The outcome for an answer body larger than MAX_ANSWER_BYTES, which is not read further. */
export function oversizedAnswer(httpStatus: number): AnswerOutcome {
  const detail = `answer body is larger than ${MAX_ANSWER_BYTES} bytes; not read further`;
  return untrusted(httpStatus >= 200 && httpStatus <= 299 ? "malformed" : "http-error", httpStatus, detail, null);
}

/** An outcome that decides nothing: the batch may or may not have been processed. */
function untrusted(
  kind: AnswerOutcome["kind"],
  httpStatus: number,
  detail: string,
  resultInfo: ResultInfo | null,
  verified = false,
): AnswerOutcome {
  return { kind, resultClass: "unknown", httpStatus, verified, detail, ...(resultInfo ? { resultInfo } : {}) };
}

/**
 * Classifies one HTTP answer to the request `expectedReqMsgId`. The answer's `head.reqMsgId` must name
 * it: a genuine signed answer to another request (or one naming none) is not taken for this one.
 * Never throws.
 */
export async function readAnswer(
  httpStatus: number,
  bodyText: string,
  alipayPublicKey: CryptoKey,
  expectedReqMsgId: string,
): Promise<AnswerOutcome> {
  const cut = cutSignedMessage(bodyText, "response");
  // A resultInfo from an unverified or non-2xx answer is kept for the log only; it decides nothing.
  const claimed = cut.ok ? parseResponseValue(cut.raw) : { resultInfo: null, reqMsgId: null };

  if (httpStatus < 200 || httpStatus > 299) {
    return untrusted("http-error", httpStatus, `HTTP ${httpStatus}`, claimed.resultInfo);
  }
  if (!cut.ok) return untrusted("malformed", httpStatus, `answer is not the documented JSON: ${cut.detail}`, null);
  if (cut.signature === null) return untrusted("unverified", httpStatus, "answer has no signature", claimed.resultInfo);

  const verified = await verifyText(alipayPublicKey, cut.raw, cut.signature);
  if (!verified) return untrusted("unverified", httpStatus, "answer signature does not verify", claimed.resultInfo);

  if (claimed.resultInfo === null) {
    return untrusted("malformed", httpStatus, "answer has no valid response.body.resultInfo", null, true);
  }
  if (claimed.reqMsgId !== expectedReqMsgId) {
    const named = claimed.reqMsgId === null ? "names no reqMsgId" : `is for reqMsgId ${claimed.reqMsgId.slice(0, 64)}`;
    return untrusted("malformed", httpStatus, `answer ${named}, not ${expectedReqMsgId}`, claimed.resultInfo, true);
  }
  return {
    kind: "answered",
    resultClass: classifyResult(claimed.resultInfo),
    resultInfo: claimed.resultInfo,
    httpStatus,
    verified: true,
  };
}
