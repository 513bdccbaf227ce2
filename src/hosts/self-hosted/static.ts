/**
 * The browser files (`public/`) served by a self-hosted relay the way Workers Static Assets serves them
 * on Cloudflare, so an operator sees the same pages with the same protections on every host:
 * - `html_handling = "auto-trailing-slash"` (Workers' default): `/dashboard` serves `dashboard.html`,
 *   `/dashboard.html` and `/dashboard/` redirect (307) to `/dashboard`; `/x/` serves `x/index.html`;
 * - the headers of `public/_headers` (the Content-Security-Policy among them) on every file response,
 *   read from that one file: URL patterns with `*` splats and `:name` placeholders, `! Name` to detach,
 *   a header set by several matching rules joined with `, `;
 * - `_headers`, `_redirects` and dotfiles are configuration, never served.
 * Only files listed when the relay started are served, so no request path can reach outside the folder.
 */
import type { MiddlewareHandler } from "hono";
import { getMimeType } from "hono/utils/mime";

/** The files of the static folder, as listed at start: paths relative to it, with `/` separators. */
export interface StaticFolder {
  files: readonly string[];
  /** The text of its `_headers`, if it has one. */
  headersText: string | undefined;
  /** Reads a listed file. */
  read(file: string): Promise<Uint8Array>;
}

/** One `_headers` rule: a URL pattern, the headers it sets and the ones it detaches. */
export interface HeaderRule {
  pattern: RegExp;
  set: [name: string, value: string][];
  detach: string[];
}

/** What a request path is in the folder: a file to serve, a redirect, or nothing (the API's turn). */
export type AssetRoute = { kind: "file"; file: string } | { kind: "redirect"; location: string } | null;

const NOT_SERVED = /(^|\/)(_headers|_redirects|\.[^/]*)$/;

/** Parses a `_headers` file (Cloudflare's format); lines it cannot read are skipped, as Cloudflare does. */
export function parseHeadersFile(text: string): HeaderRule[] {
  const rules: HeaderRule[] = [];
  let current: HeaderRule | undefined;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    if (!/^\s/.test(line)) {
      current = { pattern: patternOf(trimmed), set: [], detach: [] };
      rules.push(current);
      continue;
    }
    if (!current) continue;
    if (trimmed.startsWith("!")) {
      current.detach.push(trimmed.slice(1).trim().toLowerCase());
      continue;
    }
    const colon = trimmed.indexOf(":");
    if (colon > 0) current.set.push([trimmed.slice(0, colon).trim(), trimmed.slice(colon + 1).trim()]);
  }
  return rules;
}

/** The headers the rules give a response to `path` (the request's path). */
export function headersFor(rules: readonly HeaderRule[], path: string): Headers {
  const headers = new Headers();
  const detached = new Set<string>();
  for (const rule of rules) {
    if (!rule.pattern.test(path)) continue;
    for (const [name, value] of rule.set) headers.append(name, value);
    for (const name of rule.detach) detached.add(name);
  }
  for (const name of detached) headers.delete(name);
  return headers;
}

/** Where `path` leads in a folder holding `files`, by Workers' `auto-trailing-slash` handling. */
export function assetRoute(path: string, files: ReadonlySet<string>): AssetRoute {
  const name = path.slice(1);
  const has = (file: string) => files.has(file) && !NOT_SERVED.test(file);
  if (path.endsWith("/")) {
    if (has(`${name}index.html`)) return { kind: "file", file: `${name}index.html` };
    if (name !== "" && has(`${name.slice(0, -1)}.html`)) return { kind: "redirect", location: path.slice(0, -1) };
    return null;
  }
  if (path.endsWith("/index.html") && has(name))
    return { kind: "redirect", location: path.slice(0, -"index.html".length) };
  if (path.endsWith(".html") && has(name)) return { kind: "redirect", location: path.slice(0, -".html".length) };
  if (has(name)) return { kind: "file", file: name };
  if (has(`${name}.html`)) return { kind: "file", file: `${name}.html` };
  if (has(`${name}/index.html`)) return { kind: "redirect", location: `${path}/` };
  return null;
}

/** The middleware that serves the folder's files before the API, with its `_headers`. */
export function staticAssets(folder: StaticFolder): MiddlewareHandler {
  const files = new Set(folder.files);
  const rules = parseHeadersFile(folder.headersText ?? "");
  return async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") return next();
    const url = new URL(c.req.url);
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return next();
    }
    const route = assetRoute(path, files);
    if (!route) return next();
    const headers = headersFor(rules, url.pathname);
    if (route.kind === "redirect") {
      headers.set("Location", `${route.location}${url.search}`);
      return new Response(null, { status: 307, headers });
    }
    headers.set("Content-Type", getMimeType(route.file) ?? "application/octet-stream");
    const body = await folder.read(route.file);
    headers.set("Content-Length", String(body.byteLength));
    return new Response(c.req.method === "HEAD" ? null : (body as Uint8Array<ArrayBuffer>), { status: 200, headers });
  };
}

// `/*` → any path; `/a/:id` → one segment; the rest literal. Absolute-URL patterns (with a host) match nothing here.
function patternOf(text: string): RegExp {
  if (!text.startsWith("/")) return /$^/;
  const source = text
    .split(/(\*|:[A-Za-z]\w*)/)
    .map((part) => (part === "*" ? ".*" : part.startsWith(":") ? "[^/]+" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}
