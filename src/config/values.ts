/** Parsers for the settings whose text is more than a number or a word; problems never echo the value. */

/** A parse result: the value, or what is wrong (without the text, which may be a secret). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const MIN_KEY_LENGTH = 16;
// RFC 6750 b64token: what can follow `Bearer ` in a header. A key outside it could never be presented.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Comma-separated bearer tokens; problems name a key by position, never by value or length. */
export function keyList(text: string): Parsed<string[]> {
  const keys = text
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key !== "");
  if (keys.length === 0) return { ok: false, problem: "is set but holds no keys (only commas and spaces)" };
  for (const [index, key] of keys.entries()) {
    const which = `key ${index + 1} of ${keys.length}`;
    if (key.length < MIN_KEY_LENGTH) {
      return { ok: false, problem: `${which} is too short; each key needs at least ${MIN_KEY_LENGTH} characters` };
    }
    if (!B64TOKEN.test(key)) {
      const allowed = "letters, digits, - . _ ~ + / and trailing =";
      return { ok: false, problem: `${which} has characters a bearer token cannot carry (allowed: ${allowed})` };
    }
  }
  return { ok: true, value: keys };
}

/** True for hosts that are this machine: 127.0.0.0/8, `localhost` and `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** An absolute https URL (http only for a loopback stand-in), with no user-info. */
export function gatewayUrl(text: string): Parsed<string> {
  // The value is not echoed: a URL can carry credentials or tokens in its user-info or query.
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined)
    return { ok: false, problem: "must be an absolute URL such as https://open.alipay.hk/api/..." };
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return {
      ok: false,
      problem: "must use https; http is allowed only for a loopback host (127.0.0.0/8, localhost, [::1])",
    };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, problem: `must use https (or http for a loopback stand-in), not ${url.protocol.slice(0, 16)}` };
  }
  if (url.username !== "" || url.password !== "")
    return { ok: false, problem: "must not contain a user name or password" };
  return { ok: true, value: text };
}

/** Why a callback URL is refused, or null: https, or http on a loopback host; no user-info. */
export function callbackUrlProblem(text: string, signing: boolean): string | null {
  if (!signing) return "callbacks are not enabled on this relay (RELAY_CALLBACK_SECRET is not set)";
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url) return "must be an absolute URL";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    return "must use https (http only on a loopback host: 127.0.0.0/8, localhost, [::1])";
  }
  if (url.username !== "" || url.password !== "") return "must not contain a user name or password";
  return null;
}
