/**
 * AlipayHK's global result codes (the "Basic result codes" table of the
 * alipay.intl.user.inform.delegateSendNotification API page) and what each means for the relay.
 */
import type { ResultClass, ResultInfo } from "./types";

/** One row of AlipayHK's result-code table. */
export interface ResultCodeRow {
  resultCodeId: string;
  resultCode: string;
  resultStatus: "S" | "F" | "U";
  remark: string;
}

/** Every code on the API page, in the page's order. */
export const RESULT_CODES: readonly ResultCodeRow[] = Object.freeze([
  { resultCodeId: "00000000", resultCode: "SUCCESS", resultStatus: "S", remark: "Success" },
  {
    resultCodeId: "00000019",
    resultCode: "PROCESS_FAIL",
    resultStatus: "F",
    remark: "General business failure. No retry.",
  },
  {
    resultCodeId: "00000901",
    resultCode: "UNKNOWN_EXCEPTION",
    resultStatus: "U",
    remark: "API failed due to unknown reasons.",
  },
  {
    resultCodeId: "00000004",
    resultCode: "PARAM_ILLEGAL",
    resultStatus: "F",
    remark: "Illegal parameters. For example, non-numeric input, invalid date.",
  },
  { resultCodeId: "00000007", resultCode: "INVALID_SIGNATURE", resultStatus: "F", remark: "The signature is invalid." },
  { resultCodeId: "00000008", resultCode: "KEY_NO_FOUND", resultStatus: "F", remark: "The key is not found." },
  { resultCodeId: "00000013", resultCode: "NO_INTERFACE_DEF", resultStatus: "F", remark: "API is not defined." },
  {
    resultCodeId: "00000014",
    resultCode: "API_IS_INVALID",
    resultStatus: "F",
    remark: "API is invalid or not active.",
  },
  { resultCodeId: "00000016", resultCode: "OAUTH_FAILED", resultStatus: "F", remark: "oAuth authentication failed" },
  { resultCodeId: "00000021", resultCode: "ACCESS_DENIED", resultStatus: "F", remark: "Access denied" },
  {
    resultCodeId: "12014152",
    resultCode: "CLIENT_FORBIDDEN_ACCESS_API",
    resultStatus: "F",
    remark: "The client is not authorized to use this API.",
  },
  { resultCodeId: "12014155", resultCode: "UNKNOWN_CLIENT", resultStatus: "F", remark: "Unknown client" },
  { resultCodeId: "12014156", resultCode: "INVALID_CLIENT_STATUS", resultStatus: "F", remark: "Invalid client status" },
  {
    resultCodeId: "00000024",
    resultCode: "REQUEST_TRAFFIC_EXCEED_LIMIT",
    resultStatus: "F",
    remark: "Request traffic exceeds the limit.",
  },
] satisfies ResultCodeRow[]);

/** The one code refused before processing (F on this page, U on other Alipay-family APIs): resending is safe. */
export const TRAFFIC_EXCEED_LIMIT = { resultCodeId: "00000024", resultCode: "REQUEST_TRAFFIC_EXCEED_LIMIT" } as const;

type Lookup = { kind: "known"; row: ResultCodeRow } | { kind: "unlisted" } | { kind: "conflict" };

// Looks a code up by name and by id; the two naming different rows is a contradiction, not a match.
function lookup(info: Pick<ResultInfo, "resultCode" | "resultCodeId">): Lookup {
  const byCode = RESULT_CODES.find((row) => row.resultCode === info.resultCode);
  const byId = RESULT_CODES.find((row) => row.resultCodeId === info.resultCodeId);
  if (byCode && byId && byCode !== byId) return { kind: "conflict" };
  const row = byCode ?? byId;
  return row ? { kind: "known", row } : { kind: "unlisted" };
}

/** The table row an answer refers to (by resultCode or resultCodeId), or null if unlisted or contradictory. */
export function findResultCode(info: Pick<ResultInfo, "resultCode" | "resultCodeId">): ResultCodeRow | null {
  const found = lookup(info);
  return found.kind === "known" ? found.row : null;
}

/**
 * What an answered resultInfo means: S → success, F → final, U, unknown statuses and contradictory
 * answers → unknown, and REQUEST_TRAFFIC_EXCEED_LIMIT (by name or by id 00000024) → traffic whatever
 * its status but S. Only status S is success. An F code the page does not list (an API-specific one) is
 * still final: AlipayHK says F means "do not resend the same thing".
 */
export function classifyResult(info: ResultInfo): ResultClass {
  const found = lookup(info);
  // An answer that contradicts the table (status S with code PROCESS_FAIL, or a code name and id of two
  // different rows) cannot be trusted to mean either thing; unknown leads to a bounded resend, which
  // at-least-once delivery allows, rather than a wrong "delivered" or a wrong "refused for good".
  if (found.kind === "conflict") return "unknown";
  if (found.kind === "known" && found.row.resultCodeId === TRAFFIC_EXCEED_LIMIT.resultCodeId) {
    // The code says "refused before processing": this page answers it with F, other Alipay-family APIs
    // with U, so the code (or its id) decides, not the status. Read as U's "unknown" it would spend retry
    // budget and never slow the pace. S is the exception: it claims the batch was processed, the code
    // claims it was not; neither "delivered" nor "resend at no cost" is safe, so a bounded resend.
    return info.resultStatus === "S" ? "unknown" : "traffic";
  }
  if (found.kind === "known" && found.row.resultStatus !== info.resultStatus) return "unknown";
  switch (info.resultStatus) {
    case "S":
      return "success";
    case "F":
      // Every F but the traffic refusal (handled above) is final, listed or not.
      return "final";
    default:
      // U: "API failed due to unknown reasons" — it may have been processed. Undefined statuses likewise.
      return "unknown";
  }
}
