/**
 * Builds the stand-in's answers in AlipayHK's shape:
 * `{"response":{"head":{…,"respTime"},"body":{"resultInfo":{…}}},"signature":"…"}`, signed over the
 * exact `response` text that is embedded (serialize once, sign those bytes, embed the same string).
 */
import type { KeyObject } from "node:crypto";
import { API_VERSION, FUNCTION_NAME } from "./rules.ts";
import { signText, type SignAlgorithm } from "./verify.ts";

/** The result codes the stand-in answers with (from the API page's table). */
export const RESULT_CODES = {
  SUCCESS: { resultStatus: "S", resultCodeId: "00000000" },
  PARAM_ILLEGAL: { resultStatus: "F", resultCodeId: "00000004" },
  INVALID_SIGNATURE: { resultStatus: "F", resultCodeId: "00000007" },
  NO_INTERFACE_DEF: { resultStatus: "F", resultCodeId: "00000013" },
  REQUEST_TRAFFIC_EXCEED_LIMIT: { resultStatus: "F", resultCodeId: "00000024" },
  UNKNOWN_EXCEPTION: { resultStatus: "U", resultCodeId: "00000901" },
  UNKNOWN_CLIENT: { resultStatus: "F", resultCodeId: "12014155" },
} as const;

/** A result code the stand-in can answer with. */
export type ResultCode = keyof typeof RESULT_CODES;

/** What the answer head echoes from the request (best effort: a refused request may lack them). */
export interface Echo {
  clientId: string;
  reqMsgId: string;
  function?: string;
}

/** How to sign the answer. */
export interface AnswerSigning {
  key: KeyObject;
  algorithm: SignAlgorithm;
  /** Send the signature URL-encoded, as some AlipayHK answers do. */
  urlEncode?: boolean;
  /** Corrupt the signature (the `bad-signature` fault). */
  corrupt?: boolean;
}

/** RFC 3339 in Hong Kong time (+08:00), as AlipayHK stamps respTime. */
export function hongKongTime(epochMs: number): string {
  return new Date(epochMs + 8 * 3600_000).toISOString().slice(0, 19) + "+08:00";
}

/** A resultStatus as AlipayHK-family APIs write it. */
export type ResultStatus = "S" | "F" | "U";

/** The full signed answer text for `code`; `status` overrides the table's resultStatus (see exceedStatus). */
export function buildAnswer(
  echo: Echo,
  code: ResultCode,
  message: string,
  signing: AnswerSigning,
  now: number,
  status: ResultStatus = RESULT_CODES[code].resultStatus,
): string {
  const response = JSON.stringify({
    head: {
      version: API_VERSION,
      function: echo.function ?? FUNCTION_NAME,
      clientId: echo.clientId,
      respTime: hongKongTime(now),
      reqMsgId: echo.reqMsgId,
      reserve: "{}",
    },
    body: { resultInfo: { ...RESULT_CODES[code], resultStatus: status, resultCode: code, resultMsg: message } },
  });
  let signature = signText(response, signing.key, signing.algorithm);
  if (signing.corrupt) {
    // Flip bits in the middle of the signature: still valid base64 of the right length, just wrong.
    const bytes = Buffer.from(signature, "base64");
    bytes[bytes.length >> 1]! ^= 0xff;
    signature = bytes.toString("base64");
  }
  if (signing.urlEncode) signature = encodeURIComponent(signature);
  return `{"response":${response},"signature":${JSON.stringify(signature)}}`;
}
