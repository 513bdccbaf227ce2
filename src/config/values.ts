/** Parsers for the settings whose text is more than a number or a word; problems never echo the value. */

/** A parse result: the value, or what is wrong (without the text, which may be a secret). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const MIN_KEY_LENGTH = 16;
// RFC 6750 b64token: what can follow `Bearer ` in a header. A key outside it could never be presented.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Comma-separated bearer tokens; problems name a key by position, never by value or length. */
export function keyList(text: string): Parsed<string[]> {
  const keys = entriesOf(text);
  if (keys.length === 0) return { ok: false, problem: "is set but holds no keys (only commas and spaces)" };
  for (const [index, key] of keys.entries()) {
    const problem = tokenProblem(key);
    if (problem) return { ok: false, problem: `key ${index + 1} of ${keys.length} ${problem}` };
  }
  return { ok: true, value: keys };
}

/** A caller's bearer key: the token, and the caller's name when the entry was written `name:token`. */
export interface CallerKey {
  token: string;
  name?: string;
}

/** What a caller's name looks like: `shop-a`, `erp_2` (it appears in owner ids and in RELAY_CALLERS). */
export const CALLER_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Caller names that belong to other credentials: the Standard Webhooks signer and storefront sources. */
export function isReservedCallerName(name: string): boolean {
  return name === "webhook" || name.startsWith("source-");
}

/**
 * Comma-separated caller keys, each `name:token` or a bare `token`. A token cannot hold `:` (RFC 6750
 * b64token), so the first colon always ends the name. Problems name an entry by position, never by value.
 */
export function callerKeyList(text: string): Parsed<CallerKey[]> {
  const entries = entriesOf(text);
  if (entries.length === 0) return { ok: false, problem: "is set but holds no keys (only commas and spaces)" };
  const keys: CallerKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const which = `key ${index + 1} of ${entries.length}`;
    const colon = entry.indexOf(":");
    const name = colon < 0 ? undefined : entry.slice(0, colon);
    const token = colon < 0 ? entry : entry.slice(colon + 1);
    if (name !== undefined && !CALLER_NAME.test(name)) {
      return {
        ok: false,
        problem: `${which} has a name that is not 1-32 of a-z 0-9 _ - (starting with a letter or digit)`,
      };
    }
    if (name !== undefined && isReservedCallerName(name)) {
      return {
        ok: false,
        problem: `${which} is named "${name}", a name kept for the webhook signer and storefront sources`,
      };
    }
    const problem = tokenProblem(token);
    if (problem) return { ok: false, problem: `${which} ${problem}` };
    keys.push(name === undefined ? { token } : { token, name });
  }
  return { ok: true, value: keys };
}

function entriesOf(text: string): string[] {
  return text
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key !== "");
}

function tokenProblem(token: string): string | null {
  if (token.length < MIN_KEY_LENGTH) return `is too short; each key needs at least ${MIN_KEY_LENGTH} characters`;
  if (!B64TOKEN.test(token)) {
    return "has characters a bearer token cannot carry (allowed: letters, digits, - . _ ~ + / and trailing =)";
  }
  return null;
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

/**
 * Comma-separated callback hosts: `shop.example.com` (that host only) or `*.example.com` (any host
 * under it, not the name itself). Host names are compared as `URL` writes them: lower case, punycode.
 */
export function hostPatterns(text: string): Parsed<string[]> {
  const entries = entriesOf(text);
  if (entries.length === 0) return { ok: false, problem: "is set but holds no hosts (only commas and spaces)" };
  const patterns: string[] = [];
  for (const [index, entry] of entries.entries()) {
    const wildcard = entry.startsWith("*.");
    const name = wildcard ? entry.slice(2) : entry;
    // Only a bare name: no scheme, port, path or user-info can hide in it.
    const host =
      /^[^/?#@:\\\s*]+$/.test(name) && URL.canParse(`https://${name}/`) ? new URL(`https://${name}/`).hostname : "";
    if (host === "") {
      return {
        ok: false,
        problem: `entry ${index + 1} of ${entries.length} is not a host name or *.domain (no scheme, port or path)`,
      };
    }
    patterns.push(wildcard ? `*.${host}` : host);
  }
  return { ok: true, value: patterns };
}
