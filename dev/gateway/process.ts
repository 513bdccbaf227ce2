/**
 * What the stand-in does with one admitted, un-faulted request: the checks a real AlipayHK gateway makes,
 * in the order it must make them (find the client, verify its signature over the raw request text, then
 * the field rules), and the notifications it accepts. No I/O here: the server reads and answers.
 */
import type { KeyObject } from "node:crypto";
import type { ResultCode } from "./answer.ts";
import { cutRawMember } from "./raw-member.ts";
import { checkClient, checkRequest, type NotificationInfo } from "./rules.ts";
import { verifyText, type SignAlgorithm } from "./verify.ts";

/** What processing concluded: a result code, a message, and on success the accepted notifications. */
export interface Verdict {
  code: ResultCode;
  message: string;
  merchantId?: string;
  notifications?: NotificationInfo[];
  /** True when the signature was checked and failed (counted in the stats). */
  badSignature?: boolean;
}

/** What processing needs to know. */
export interface ProcessContext {
  clientId: string;
  merchantPublicKey: KeyObject;
  signAlgorithm: SignAlgorithm;
  contentType: string | undefined;
  /** The received body text, exactly as it arrived. */
  text: string;
  /** JSON.parse(text), or undefined when it is not JSON. */
  parsed: unknown;
  /** This reqMsgId was already seen in an earlier request. */
  repeated: boolean;
}

/** True for `application/json`, optionally with a UTF-8 charset. */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [type, ...params] = value.split(";").map((s) => s.trim().toLowerCase());
  if (type !== "application/json") return false;
  return params.every((p) => !p.startsWith("charset=") || /^charset="?utf-8"?$/.test(p));
}

/** Runs every check on one request and returns the verdict (never throws on bad input). */
export function processRequest(ctx: ProcessContext): Verdict {
  if (!isJsonContentType(ctx.contentType)) {
    return { code: "PARAM_ILLEGAL", message: "Content-Type must be application/json" };
  }
  const envelope = ctx.parsed as { request?: unknown; signature?: unknown } | undefined;
  if (
    typeof envelope !== "object" ||
    envelope === null ||
    typeof envelope.request !== "object" ||
    envelope.request === null
  ) {
    return { code: "PARAM_ILLEGAL", message: "body must be a JSON object with a request object" };
  }
  const unknownClient = checkClient(envelope.request, ctx.clientId);
  if (unknownClient) return { code: unknownClient.resultCode, message: unknownClient.message };

  const raw = cutRawMember(ctx.text, "request");
  if (!raw.ok) return { code: "PARAM_ILLEGAL", message: raw.reason };
  if (typeof envelope.signature !== "string" || envelope.signature === "") {
    return { code: "INVALID_SIGNATURE", message: "signature is missing", badSignature: true };
  }
  // AlipayHK verifies the exact request text as received, braces included.
  if (!verifyText(raw.raw, envelope.signature, ctx.merchantPublicKey, ctx.signAlgorithm)) {
    return {
      code: "INVALID_SIGNATURE",
      message: `signature does not verify (${ctx.signAlgorithm})`,
      badSignature: true,
    };
  }

  const verdict = checkRequest(envelope.request);
  if (!verdict.ok) return { code: verdict.resultCode, message: verdict.message };
  if (ctx.repeated) {
    // reqMsgId names one system request; a resend must carry a fresh one (API page, head field 5).
    return {
      code: "PARAM_ILLEGAL",
      message: `head.reqMsgId ${JSON.stringify(verdict.request.reqMsgId)} was already used`,
    };
  }
  return {
    code: "SUCCESS",
    message: "success",
    merchantId: verdict.request.merchantId,
    notifications: verdict.request.notifications,
  };
}
