/**
 * The OpenAPI document matches the relay: every route the Hono app serves is documented and every
 * documented route is served; real answers parse with the documented schemas and carry only documented
 * problem codes and headers; the examples are valid; `/docs` and `/dashboard` are served from the relay
 * with no external asset. (Validation against the OpenAPI 3.1 meta-schema needs plain Node: see
 * test/node/openapi-document.test.ts.)
 */
import { beforeEach, describe, expect, it } from "vitest";
import { app } from "../src/http/app";
import { buildOpenApiDocument, type OpenApiDocument } from "../src/http/openapi";
import { OPERATIONS, type Operation } from "../src/http/openapi-operations";
import { PROBLEMS, type ProblemCode } from "../src/http/problem";
import { ProblemSchema } from "../src/http/response-schemas";
import { SubmitBodySchema } from "../src/http/schemas";
import { TestGateway } from "./support/gateway";
import { freshRelay, notifications, relay, setting, submit, waitForJob } from "./support/relay";

const doc: OpenApiDocument = buildOpenApiDocument();

/** `GET /v1/notifications/{jobId}` style keys, from the document. */
function documentedRoutes(): string[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
}

function operation(method: string, path: string): Operation {
  const found = OPERATIONS.find((op) => op.method === method && op.path === path);
  if (!found) throw new Error(`${method} ${path} is not documented`);
  return found;
}

/**
 * Checks one real answer against the document: its status is documented for the route; a JSON answer
 * parses with the documented (strict) schema; a problem carries a code the route lists, at that code's
 * status; the documented headers of that response are present. Returns the parsed body.
 */
async function expectDocumented(method: "get" | "post", path: string, res: Response): Promise<unknown> {
  const op = operation(method, path);
  const documented = doc.paths[path]?.[method]?.responses[String(res.status)];
  expect(documented, `${method} ${path} answered ${res.status}, which is not documented`).toBeDefined();
  const body: unknown = await res.json();
  const success = op.responses[res.status];
  if (success && "schema" in success) {
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const parsed = success.schema.safeParse(body);
    expect(parsed.error?.issues ?? [], JSON.stringify(body).slice(0, 500)).toEqual([]);
  } else {
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const problem = ProblemSchema.parse(body);
    expect(op.problems, `${problem.code} is not listed for ${method} ${path}`).toContain(problem.code);
    expect(PROBLEMS[problem.code].status).toBe(res.status);
    const codes = (documented!.content["application/problem+json"]!.schema.properties as { code: { enum: string[] } }).code.enum;
    expect(codes).toContain(problem.code);
  }
  for (const header of Object.keys(documented?.headers ?? {})) {
    // Preference-Applied and Idempotent-Replayed appear only when asked for; the others always.
    if (header === "Preference-Applied" || header === "Idempotent-Replayed") continue;
    if (header === "Retry-After" && (body as { code?: string }).code === "not-configured") continue;
    expect(res.headers.get(header), `${header} on ${method} ${path} ${res.status}`).not.toBeNull();
  }
  return body;
}

beforeEach(freshRelay);

describe("the document covers exactly the app's routes", () => {
  it("every route registered in the Hono app is documented, and every documented route exists", () => {
    const served = app.routes
      .filter((route) => route.method !== "ALL") // middleware (`app.use`), not a route
      .map((route) => `${route.method} ${route.path.replace(/:([A-Za-z]+)/g, "{$1}")}`);
    expect([...new Set(served)].sort()).toEqual(documentedRoutes().sort());
  });

  it("is the document GET /openapi.json serves", async () => {
    const res = await relay("/openapi.json", { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it("lists every problem code on some route, each under its own status", () => {
    const listed = new Set<ProblemCode>(OPERATIONS.flatMap((op) => op.problems));
    expect([...listed].sort()).toEqual((Object.keys(PROBLEMS) as ProblemCode[]).sort());
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(op.responses)) {
          const problem = response.content["application/problem+json"];
          if (!problem) continue;
          const codes = (problem.schema.properties as { code: { enum: ProblemCode[] } }).code.enum;
          for (const code of codes) expect(PROBLEMS[code].status, `${method} ${path} ${code}`).toBe(Number(status));
        }
      }
    }
  });

  it("documents both credentials on /v1 routes and none on the public ones", () => {
    for (const op of OPERATIONS) {
      const security = doc.paths[op.path]?.[op.method]?.security;
      if (op.path.startsWith("/v1/")) expect(security?.map((s) => Object.keys(s).sort())).toEqual([["bearerAuth"], ["webhookId", "webhookSignature", "webhookTimestamp"]]);
      else expect(security).toEqual([]);
    }
  });
});

describe("every example in the document is valid", () => {
  it("request, response and problem examples parse with their schemas", () => {
    let checked = 0;
    for (const op of OPERATIONS) {
      for (const example of Object.values(op.requestBody?.examples ?? {})) {
        SubmitBodySchema.parse(example.value);
        checked++;
      }
      for (const response of Object.values(op.responses)) {
        if (!("schema" in response)) continue;
        for (const example of Object.values(response.examples ?? {})) {
          response.schema.parse(example.value);
          checked++;
        }
      }
      const responses = doc.paths[op.path]?.[op.method]?.responses ?? {};
      for (const [status, response] of Object.entries(responses)) {
        for (const [code, example] of Object.entries(response.content["application/problem+json"]?.examples ?? {})) {
          expect(ProblemSchema.parse(example.value)).toMatchObject({ code, status: Number(status) });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});

describe("real answers parse with the documented schemas", () => {
  it("POST /v1/notifications 202 and 200 (Prefer: wait), then GET the job", async () => {
    const gateway = await TestGateway.install();
    gateway.faults = ["traffic"]; // one refusal: the status then shows an adaptation and an exceeded second
    const accepted = await relay("/v1/notifications", { method: "POST", json: { notifications: notifications(150) } });
    expect(accepted.status).toBe(202);
    const { jobId } = (await expectDocumented("post", "/v1/notifications", accepted)) as { jobId: string };
    await waitForJob(jobId, 10_000);
    await expectDocumented("get", "/v1/notifications/{jobId}", await relay(`/v1/notifications/${jobId}`));

    const waited = await relay("/v1/notifications", { method: "POST", headers: { prefer: "wait=5" }, json: { notifications: notifications(3) } });
    expect(waited.status).toBe(200);
    await expectDocumented("post", "/v1/notifications", waited);

    const status = (await expectDocumented("get", "/v1/status", await relay("/v1/status"))) as { adaptations: unknown[] };
    expect(status.adaptations.length).toBeGreaterThan(0);
  }, 20_000);

  it("problem answers carry a code their route documents", async () => {
    const post = (init: RequestInit & { json?: unknown; key?: string | null }) => relay("/v1/notifications", { method: "POST", ...init });
    const answers: [Response, number][] = [
      [await post({ key: null, json: { notifications: notifications(1) } }), 401],
      [await post({ body: "{", headers: { "content-type": "application/json" } }), 400],
      [await post({ json: { notifications: [{ openId: "" }] } }), 400],
      [await post({ body: "x", headers: { "content-type": "text/plain" } }), 415],
      [await post({ headers: { "idempotency-key": "two words" }, json: { notifications: notifications(1) } }), 400],
      [await post({ json: { notifications: notifications(Number(setting("RELAY_MAX_NOTIFICATIONS_PER_REQUEST") || 10_000) + 1) } }), 413],
    ];
    await TestGateway.install();
    await submit(1, { headers: { "idempotency-key": "same-key" } });
    answers.push([await post({ headers: { "idempotency-key": "same-key" }, json: { notifications: notifications(2) } }), 422]);
    for (const [res, status] of answers) {
      expect(res.status).toBe(status);
      await expectDocumented("post", "/v1/notifications", res);
    }
    const missing = await relay("/v1/notifications/job_AAAAAAAAAAAAAAAAAAAAAA");
    expect(missing.status).toBe(404);
    await expectDocumented("get", "/v1/notifications/{jobId}", missing);
    const anonymous = await relay("/v1/status", { key: null });
    expect(anonymous.status).toBe(401);
    await expectDocumented("get", "/v1/status", anonymous);
  }, 20_000);

  it("GET /healthz", async () => {
    await expectDocumented("get", "/healthz", await relay("/healthz", { key: null }));
  });
});

/** Any URL with a scheme or protocol-relative `//host`; the SVG namespace is a name, never fetched. */
function externalUrls(text: string): string[] {
  return text.replaceAll("http://www.w3.org/2000/svg", "").match(/(?:[a-z]+:)?\/\/[^\s"'`<>)]+/gi) ?? [];
}

async function page(path: string): Promise<{ res: Response; text: string }> {
  const res = await relay(path, { key: null });
  expect(res.status).toBe(200);
  return { res, text: await res.text() };
}

describe("operator pages", () => {
  it("/docs renders every documented path, operation and problem code, with no external asset", async () => {
    const { res, text } = await page("/docs");
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    for (const path of Object.keys(doc.paths)) expect(text).toContain(`<code class="path">${path}</code>`);
    for (const op of OPERATIONS) expect(text).toContain(`id="${op.operationId}"`);
    for (const code of Object.keys(PROBLEMS)) expect(text).toContain(`<code>${code}</code>`);
    for (const name of Object.keys(doc.components.schemas)) expect(text).toContain(`id="schema-${name}"`);
    expect(text).not.toContain("<script");
    // Example values in the document mention shop URLs; only the page's own links and assets matter.
    const links = [...text.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1] ?? "");
    expect(links.filter((link) => !/^(?:\/(?!\/)|#|data:)/.test(link))).toEqual([]);
  });

  it("/dashboard and its script and stylesheet are served with their types, hold no data, and load nothing external", async () => {
    const html = await page("/dashboard");
    expect(html.res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(html.res.headers.get("content-security-policy")).toContain("connect-src 'self'");
    expect(html.text).toContain('<script type="module" src="/assets/dashboard.js"></script>');
    expect(html.text).toContain('<link rel="stylesheet" href="/assets/relay.css">');
    expect(html.text).toContain('id="api-key"');
    expect(html.text).not.toContain(setting("ALIPAY_CLIENT_ID"));
    const js = await page("/assets/dashboard.js");
    expect(js.res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.text).toContain('fetch("/v1/status"');
    expect(js.text).toContain("sessionStorage");
    const css = await page("/assets/relay.css");
    expect(css.res.headers.get("content-type")).toBe("text/css; charset=utf-8");
    for (const text of [html.text, js.text, css.text]) expect(externalUrls(text)).toEqual([]);
  });
});
