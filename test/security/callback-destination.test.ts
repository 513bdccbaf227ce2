/**
 * Where a callback may go, as checked at submit (every host) and again before connecting (self-hosted):
 * https only, no internal address, the operator's host list; and what a failed try reports (a class,
 * never the runtime's text).
 */
import { describe, expect, it } from "vitest";
import { addressAllowed, callbackUrlProblem, hostMatches } from "../../src/security/callback-destination";
import {
  BlockedAddressError,
  CALLBACK_FAILURES,
  failureOfError,
  failureOfStatus,
} from "../../src/security/callback-failure";

const STRICT = { allowLocal: false };
const LOCAL = { allowLocal: true };

describe("callbackUrlProblem", () => {
  it.each([
    // What a caller used to reach inside with: all refused by default.
    ["http://127.0.0.1:8787/internal/admin?x=1", /must use https/],
    ["https://127.0.0.1:8787/internal/admin", /loopback/],
    ["https://169.254.169.254/", /link-local/],
    ["https://10.0.0.1/", /private \(RFC 1918\)/],
    ["https://[fd00::1]/", /unique-local/],
    ["https://[::ffff:a9fe:a9fe]/", /IPv4-mapped/],
    ["https://0.0.0.0:8787/", /unspecified/],
    ["https://100.64.1.1/", /CGNAT/],
    ["https://localhost/", /loopback/],
    ["https://relay.localhost./", /loopback/],
    ["https://2130706433/", /loopback/],
    ["https://[::1]/", /loopback/],
    ["https://224.0.0.1/", /multicast/],
    ["http://shop.example/done", /must use https/],
    ["ftp://shop.example/done", /must use https/],
    ["https://user:pw@shop.example/done", /user name or password/],
    ["/relative", /absolute URL/],
  ])("refuses %s", (url, problem) => {
    expect(callbackUrlProblem(url, STRICT)).toMatch(problem);
  });

  it("accepts https to a public name or address", () => {
    for (const url of [
      "https://shop.example/done",
      "https://hooks.shop.example:8443/a?b=c",
      "https://8.8.8.8/x",
      "https://[2606:4700::1]/",
    ]) {
      expect(callbackUrlProblem(url, STRICT), url).toBeNull();
    }
  });

  it("with RELAY_CALLBACK_ALLOW_LOCAL, accepts http and loopback (local runs and tests)", () => {
    for (const url of [
      "http://127.0.0.1:8787/done",
      "https://localhost/x",
      "http://10.0.0.1/",
      "http://shop.example/",
    ]) {
      expect(callbackUrlProblem(url, LOCAL), url).toBeNull();
    }
    expect(callbackUrlProblem("ftp://127.0.0.1/", LOCAL)).toMatch(/https or http/);
  });

  it("with RELAY_CALLBACK_HOSTS, accepts the hosts listed only", () => {
    const listed = { allowLocal: false, hosts: ["hooks.shop.example", "*.erp.example"] };
    expect(callbackUrlProblem("https://hooks.shop.example/done", listed)).toBeNull();
    expect(callbackUrlProblem("https://HOOKS.shop.example./done", listed)).toBeNull();
    expect(callbackUrlProblem("https://a.b.erp.example/x", listed)).toBeNull();
    for (const url of [
      "https://erp.example/x",
      "https://shop.example/",
      "https://hooks.shop.example.evil/",
      "https://evilerp.example/",
    ]) {
      expect(callbackUrlProblem(url, listed), url).toMatch(/RELAY_CALLBACK_HOSTS/);
    }
  });

  it("hostMatches compares whole labels", () => {
    expect(hostMatches("a.erp.example", "*.erp.example")).toBe(true);
    expect(hostMatches("xerp.example", "*.erp.example")).toBe(false);
    expect(hostMatches("erp.example", "*.erp.example")).toBe(false);
    expect(hostMatches("erp.example", "erp.example")).toBe(true);
  });
});

describe("addressAllowed (each address a name resolves to)", () => {
  it("allows public unicast only, unless local destinations are allowed", () => {
    for (const address of [
      "127.0.0.1",
      "169.254.169.254",
      "10.0.0.1",
      "fd00::1",
      "::ffff:a9fe:a9fe",
      "0.0.0.0",
      "not-an-ip",
    ]) {
      expect(addressAllowed(address, STRICT), address).toBe(false);
      expect(addressAllowed(address, LOCAL), address).toBe(true);
    }
    expect(addressAllowed("93.184.215.14", STRICT)).toBe(true);
    expect(addressAllowed("2606:2800:21f:cb07:6820:80da:af6b:8b2c", STRICT)).toBe(true);
  });
});

describe("what a failed callback try reports", () => {
  it("classes statuses: 3xx redirect (never followed), 4xx, 5xx", () => {
    expect([301, 302, 307, 308].map(failureOfStatus)).toEqual(["redirect", "redirect", "redirect", "redirect"]);
    expect([400, 404, 429, 499].map(failureOfStatus)).toEqual(["http-4xx", "http-4xx", "http-4xx", "http-4xx"]);
    expect([500, 502, 599].map(failureOfStatus)).toEqual(["http-5xx", "http-5xx", "http-5xx"]);
    expect(failureOfStatus(199)).toBe("http-other");
  });

  it("classes errors by name and code, through causes, and never by message", () => {
    const coded = (code: string, message = `connect ${code} 10.1.2.3:6379`) =>
      Object.assign(new Error(message), { code });
    const cases: [unknown, string][] = [
      [new BlockedAddressError(), "blocked-address"],
      [new TypeError("fetch failed", { cause: coded("ECONNREFUSED") }), "refused"],
      [coded("ECONNREFUSED"), "refused"],
      [coded("ENOTFOUND", "getaddrinfo ENOTFOUND intranet.corp"), "unresolvable"],
      [coded("EHOSTUNREACH"), "unreachable"],
      [coded("ECONNRESET"), "reset"],
      [coded("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match certificate's altnames"), "tls"],
      [coded("DEPTH_ZERO_SELF_SIGNED_CERT"), "tls"],
      [new TypeError("fetch failed", { cause: coded("UND_ERR_CONNECT_TIMEOUT") }), "timeout"],
      [new DOMException("The operation timed out.", "TimeoutError"), "timeout"],
      [new DOMException("aborted", "AbortError"), "timeout"],
      [new TypeError("Network connection lost."), "network"],
      ["a string", "network"],
      [coded("SOMETHING_ELSE", "secret internal text"), "network"],
    ];
    for (const [error, failure] of cases) expect(failureOfError(error), String(error)).toBe(failure);
    for (const [error] of cases) expect(CALLBACK_FAILURES).toContain(failureOfError(error));
  });
});
