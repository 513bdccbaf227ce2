/**
 * The self-hosted static files (src/hosts/self-hosted/static.ts) follow Workers Static Assets: the
 * `_headers` format, `auto-trailing-slash` HTML handling, and configuration files never served. The last
 * test serves the real public/ folder as the relay does.
 */
import { join } from "node:path";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../dev/local-run.ts";
import { loadPublicDir } from "../../src/hosts/self-hosted/public-dir.ts";
import { assetRoute, headersFor, parseHeadersFile, staticAssets } from "../../src/hosts/self-hosted/static.ts";

describe("_headers", () => {
  const rules = parseHeadersFile(
    [
      "# every page",
      "/*",
      "  X-Frame-Options: DENY",
      "  Content-Security-Policy: default-src 'self'; img-src https://a.example:443",
      "",
      "/assets/*",
      "  Cache-Control: public, max-age=60",
      "  X-Frame-Options: SAMEORIGIN",
      "/users/:id/profile",
      "  X-Robots-Tag: noindex",
      "/public/*",
      "  ! X-Frame-Options",
      "https://other.example/*",
      "  X-Elsewhere: yes",
    ].join("\n"),
  );

  it("applies every matching rule; a value may hold colons; a header set twice is joined with a comma", () => {
    const page = headersFor(rules, "/dashboard");
    expect(page.get("content-security-policy")).toBe("default-src 'self'; img-src https://a.example:443");
    expect(page.get("x-frame-options")).toBe("DENY");
    expect(page.get("cache-control")).toBeNull();
    const asset = headersFor(rules, "/assets/relay.css");
    expect(asset.get("cache-control")).toBe("public, max-age=60");
    expect(asset.get("x-frame-options")).toBe("DENY, SAMEORIGIN");
  });

  it("matches :placeholders as one segment, detaches with !, ignores patterns with a host", () => {
    expect(headersFor(rules, "/users/42/profile").get("x-robots-tag")).toBe("noindex");
    expect(headersFor(rules, "/users/4/2/profile").get("x-robots-tag")).toBeNull();
    expect(headersFor(rules, "/public/a.txt").get("x-frame-options")).toBeNull();
    expect(headersFor(rules, "/x").get("x-elsewhere")).toBeNull();
    expect(headersFor(rules, "/dashboard.html").has("x-frame-options")).toBe(true);
  });
});

describe("auto-trailing-slash, as Workers Static Assets", () => {
  const files = new Set([
    "dashboard.html",
    "docs/index.html",
    "assets/relay.css",
    "_headers",
    "_redirects",
    ".env",
    "assets/.hidden",
  ]);
  it.each([
    ["/dashboard", { kind: "file", file: "dashboard.html" }],
    ["/dashboard.html", { kind: "redirect", location: "/dashboard" }],
    ["/dashboard/", { kind: "redirect", location: "/dashboard" }],
    ["/docs/", { kind: "file", file: "docs/index.html" }],
    ["/docs", { kind: "redirect", location: "/docs/" }],
    ["/docs/index.html", { kind: "redirect", location: "/docs/" }],
    ["/assets/relay.css", { kind: "file", file: "assets/relay.css" }],
    ["/_headers", null],
    ["/_redirects", null],
    ["/.env", null],
    ["/assets/.hidden", null],
    ["/v1/status", null],
    ["/", null],
    ["/assets/", null],
  ])("%s", (path, route) => {
    expect(assetRoute(path, files)).toEqual(route);
  });
});

describe("the public/ folder, served as the relay serves it", () => {
  const folder = loadPublicDir(join(PROJECT_ROOT, "public"))!;
  const front = new Hono();
  front.use("*", staticAssets(folder));
  front.all("*", (c) => c.text("the API", 404));

  it("serves /dashboard with the CSP of public/_headers and the file's own bytes", async () => {
    const res = await front.request("/dashboard");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none'; script-src 'self'/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe(new TextDecoder().decode(await folder.read("dashboard.html")));
    const head = await front.request("/assets/relay.css", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await head.text()).toBe("");
  });

  it("leaves /_headers, other methods and unknown paths to the API; keeps the query on a redirect", async () => {
    expect(await (await front.request("/_headers")).text()).toBe("the API");
    expect(await (await front.request("/dashboard", { method: "POST" })).text()).toBe("the API");
    expect(await (await front.request("/../package.json")).text()).toBe("the API");
    expect(await (await front.request("/..%2fpackage.json")).text()).toBe("the API");
    expect(await (await front.request("/assets/..%2f..%2fpackage.json")).text()).toBe("the API");
    const moved = await front.request("/dashboard.html?key=1");
    expect(moved.status).toBe(307);
    expect(moved.headers.get("location")).toBe("/dashboard?key=1");
  });
});
