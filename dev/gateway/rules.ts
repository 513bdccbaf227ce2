/**
 * The rules of the AlipayHK delegateSendNotification API page (000_5b4c143b808c577d.txt), as the
 * stand-in enforces them. Pure functions of the parsed `request` value; the server decides the order
 * (client first, then signature, then these), as a real gateway must find the client's key first.
 */

/** The only API this stand-in implements. */
export const FUNCTION_NAME = "alipay.intl.user.inform.delegateSendNotification";
/** The API version the page documents. */
export const API_VERSION = "2.0.0";

/** One accepted element of `notificationInfos`. */
export interface NotificationInfo {
  openId: string;
  templateCode: string;
  templateValue: string;
}

/** A request that passed every rule. */
export interface CheckedRequest {
  reqMsgId: string;
  reqTime: string;
  merchantId: string;
  notifications: NotificationInfo[];
}

/** A refusal: an F result code and a message naming the field. */
export interface RuleFailure {
  resultCode: "PARAM_ILLEGAL" | "UNKNOWN_CLIENT" | "NO_INTERFACE_DEF";
  message: string;
}

/** The verdict of `checkRequest`. */
export type RuleVerdict = { ok: true; request: CheckedRequest } | ({ ok: false } & RuleFailure);

// RFC 3339 §5.6 date-time: full-date "T" full-time, time-offset mandatory ("Z" or ±hh:mm).
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** True when `s` is an RFC 3339 date-time with an offset and a real calendar date. */
export function isRfc3339(s: string): boolean {
  const m = DATE_TIME.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  const offH = m[9] === undefined ? 0 : Number(m[9]);
  const offM = m[10] === undefined ? 0 : Number(m[10]);
  // second 60 is allowed by RFC 3339 for leap seconds.
  return (
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= daysInMonth &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 60 &&
    offH <= 23 &&
    offM <= 59
  );
}

/** UNKNOWN_CLIENT when head.clientId is not the configured client (checked before the signature). */
export function checkClient(request: unknown, clientId: string): RuleFailure | undefined {
  const head = isObject(request) && isObject(request.head) ? request.head : undefined;
  if (head?.clientId === clientId) return undefined;
  return {
    resultCode: "UNKNOWN_CLIENT",
    message: `head.clientId ${JSON.stringify(head?.clientId)} is not a known client`,
  };
}

/** Checks head and body against the API page; lists every problem found in the message. */
export function checkRequest(request: unknown): RuleVerdict {
  if (!isObject(request) || !isObject(request.head) || !isObject(request.body)) {
    return { ok: false, resultCode: "PARAM_ILLEGAL", message: "request must hold a head object and a body object" };
  }
  const { head, body } = request;
  if (head.function !== FUNCTION_NAME) {
    return {
      ok: false,
      resultCode: "NO_INTERFACE_DEF",
      message: `head.function ${JSON.stringify(head.function)} is not defined`,
    };
  }
  const problems: string[] = [];
  if (head.version !== API_VERSION) problems.push(`head.version must be "${API_VERSION}"`);
  if (typeof head.reqTime !== "string" || !isRfc3339(head.reqTime)) {
    problems.push("head.reqTime must be an RFC 3339 date-time with an offset");
  }
  if (!isText(head.reqMsgId, 64)) problems.push("head.reqMsgId must be a non-empty string of at most 64 characters");
  if (head.reserve !== undefined && !(typeof head.reserve === "string" && head.reserve.length <= 256)) {
    problems.push("head.reserve must be a string of at most 256 characters");
  }
  if (!isText(body.merchantId, 64))
    problems.push("body.merchantId must be a non-empty string of at most 64 characters");
  const infos = body.notificationInfos;
  if (!Array.isArray(infos) || infos.length < 1 || infos.length > 100) {
    problems.push("body.notificationInfos must be a list of 1 to 100 elements");
  } else {
    for (const [i, info] of infos.entries()) problems.push(...checkInfo(info, i));
  }
  if (problems.length > 0) {
    // Cap the message: a 100-element batch of bad elements should not make a 20 kB answer.
    const shown = problems.slice(0, 10).join("; ");
    const more = problems.length > 10 ? `; and ${problems.length - 10} more` : "";
    return { ok: false, resultCode: "PARAM_ILLEGAL", message: shown + more };
  }
  return {
    ok: true,
    request: {
      reqMsgId: head.reqMsgId as string,
      reqTime: head.reqTime as string,
      merchantId: body.merchantId as string,
      notifications: (infos as Record<string, unknown>[]).map((info) => ({
        openId: info.openId as string,
        templateCode: info.templateCode as string,
        templateValue: info.templateValue as string,
      })),
    },
  };
}

function checkInfo(info: unknown, i: number): string[] {
  const at = `body.notificationInfos[${i}]`;
  if (!isObject(info)) return [`${at} must be an object`];
  const problems: string[] = [];
  if (!isText(info.openId)) problems.push(`${at}.openId must be a non-empty string`);
  if (!isText(info.templateCode)) problems.push(`${at}.templateCode must be a non-empty string`);
  if (typeof info.templateValue !== "string") problems.push(`${at}.templateValue must be a string`);
  else if (!holdsJsonObject(info.templateValue)) problems.push(`${at}.templateValue must hold a JSON object`);
  // "Every element's maximum length is 300": counted like Java's String.length(), in UTF-16 units.
  const size = JSON.stringify(info).length;
  if (size > 300) problems.push(`${at} is ${size} characters as compact JSON, more than 300`);
  return problems;
}

function holdsJsonObject(s: string): boolean {
  try {
    return isObject(JSON.parse(s));
  } catch {
    return false;
  }
}

function isText(v: unknown, max = Infinity): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= max;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
