/**
 * The OpenAPI document is built from the routes' own registrations (`documented(...)`), so it covers
 * exactly the app's routes by construction, plus the two pages served as files. What is tested here:
 * every API route is documented; real answers parse with the schemas their registration declares and
 * carry only documented problem codes and headers; the examples are valid; the `/docs` page renders the
 * document with no external asset. (Validation against the OpenAPI 3.1 meta-schema needs plain Node, see
 * test/node/openapi-document.test.ts; that every host serves these files, test/node/e2e-hosting-hardening.test.ts.)
 */
import { beforeEach, describe, expect, it } from "vitest";
import type * as z from "zod/mini";
import { app } from "../src/http/app";
import { type OpenApiDocument, openApiDocument, PAGE_ROUTES } from "../src/http/openapi/document";
import { type RouteDoc, routeDocs } from "../src/http/openapi/route";
import { ProblemSchema } from "../src/http/openapi/schemas";
import { renderReference } from "../src/http/pages/reference";
import { PROBLEMS, type ProblemCode } from "../src/http/problem";
import { TestGateway } from "./support/gateway";
import { ADMIN_KEY, freshRelay, notifications, relay, setting, submit, waitForJob } from "./support/relay";

const doc: OpenApiDocument = openApiDocument(app);
/** The app's routes and the pages served as files. */
const ROUTES = [...routeDocs(app), ...PAGE_ROUTES];
type Responses = Record<
  string,
  {
    headers?: Record<string, unknown>;
    content?: Record<
      string,
      { schema?: { properties?: { code?: { enum?: string[] } } }; examples?: Record<string, { value: unknown }> }
    >;
  }
>;

function documentedResponses(method: string, path: string): Responses {
  return ((doc.paths?.[path] as Record<string, { responses: Responses }> | undefined)?.[method]?.responses ??
    {}) as Responses;
}

function operation(method: string, path: string): RouteDoc {
  const found = ROUTES.find((route) => route.method === method && route.path === path);
  if (!found) throw new Error(`${method} ${path} is not documented`);
  return found.doc;
}

/**
 * Checks one real answer against the registration: its status is documented for the route; a JSON answer
 * parses with the declared (strict) schema; a problem carries a code the route lists, at that code's
 * status; the documented headers of that response are present. Returns the parsed body.
 */
async function expectDocumented(method: "get" | "post", path: string, res: Response): Promise<unknown> {
  const op = operation(method, path);
  const documented = documentedResponses(method, path)[String(res.status)];
  expect(documented, `${method} ${path} answered ${res.status}, which is not documented`).toBeDefined();
  const body: unknown = await res.json();
  const success = op.responses[res.status];
  if (success && "schema" in success) {
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const parsed = (success.schema as z.ZodMiniType).safeParse(body);
    expect(parsed.error?.issues ?? [], JSON.stringify(body).slice(0, 500)).toEqual([]);
  } else {
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const problem = ProblemSchema.parse(body);
    expect(op.problems, `${problem.code} is not listed for ${method} ${path}`).toContain(problem.code);
    expect(PROBLEMS[problem.code].status).toBe(res.status);
    expect(documented!.content?.["application/problem+json"]?.schema?.properties?.code?.enum).toContain(problem.code);
  }
  for (const header of Object.keys(documented?.headers ?? {})) {
    // Preference-Applied and Idempotent-Replayed appear only when asked for; the others always.
    if (header === "Preference-Applied" || header === "Idempotent-Replayed") continue;
    expect(res.headers.get(header), `${header} on ${method} ${path} ${res.status}`).not.toBeNull();
  }
  return body;
}

beforeEach(freshRelay);

describe("the document is the app's routes", () => {
  it("every route the Hono app serves (not middleware) is documented, and the document holds exactly those", () => {
    const served = app.routes
      .filter((route) => route.method !== "ALL")
      .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:([A-Za-z]+)/g, "{$1}")}`);
    const documented = routeDocs(app).map((route) => `${route.method} ${route.path}`);
    expect([...new Set(served)].sort()).toEqual([...new Set(documented)].sort());
    const pages = PAGE_ROUTES.map((route) => `${route.method} ${route.path}`);
    expect(pages).toEqual(["get /openapi.json", "get /docs"]);
    const inDocument = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
      Object.keys(methods ?? {}).map((m) => `${m} ${path}`),
    );
    expect(inDocument.sort()).toEqual([...new Set([...documented, ...pages])].sort());
  });

  it("the app itself answers neither /openapi.json nor /docs: they are files, outside the Worker", async () => {
    for (const path of ["/openapi.json", "/docs"]) expect((await relay(path, { key: null })).status).toBe(404);
  });

  it("lists every problem code on some route, each under its own status; every $ref resolves", () => {
    const listed = new Set<ProblemCode>(ROUTES.flatMap((route) => route.doc.problems));
    expect([...listed].sort()).toEqual((Object.keys(PROBLEMS) as ProblemCode[]).sort());
    const text = JSON.stringify(doc);
    const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g))
      expect(schemas, name).toHaveProperty(name!);
    for (const name of [
      "JobView",
      "SubmitAccepted",
      "Status",
      "Health",
      "Problem",
      "RequestError",
      "SubmitBody",
      "CallbackSecrets",
    ]) {
      expect(Object.keys(schemas)).toContain(name);
    }
    // A component is its definition, never a reference to itself (generators refuse such a document).
    for (const [name, schema] of Object.entries(schemas)) {
      expect((schema as { $ref?: string }).$ref, name).not.toBe(`#/components/schemas/${name}`);
    }
    expect(schemas.Problem).toMatchObject({ type: "object", required: expect.arrayContaining(["code", "status"]) });
  });

  it("documents a bearer key or a webhook signature on the submit, a bearer key on reads, none on public routes", () => {
    const security = (method: string, path: string) =>
      (
        (doc.paths?.[path] as Record<string, { security?: Record<string, unknown>[] }> | undefined)?.[method]
          ?.security ?? []
      ).map((s) => Object.keys(s).sort());
    expect(security("post", "/v1/notifications")).toEqual([
      ["bearerAuth"],
      ["webhookId", "webhookSignature", "webhookTimestamp"],
    ]);
    expect(security("get", "/v1/notifications/{jobId}")).toEqual([["bearerAuth"]]);
    expect(security("get", "/v1/status")).toEqual([["bearerAuth"]]);
    expect(security("get", "/v1/callback-secrets")).toEqual([["bearerAuth"]]);
    expect(security("get", "/healthz")).toEqual([]);
  });
});

describe("every example in the document is valid", () => {
  it("request, response and problem examples parse with their schemas", () => {
    let checked = 0;
    for (const { method, path, doc: route } of ROUTES) {
      const body = route.requestBody;
      for (const example of Object.values(body ? body.examples : {})) {
        (body?.schema as z.ZodMiniType | undefined)?.parse(example.value);
        checked++;
      }
      for (const response of Object.values(route.responses)) {
        if (!("schema" in response)) continue;
        for (const example of Object.values(response.examples ?? {})) {
          (response.schema as z.ZodMiniType).parse(example.value);
          checked++;
        }
      }
      for (const [status, response] of Object.entries(documentedResponses(method, path))) {
        for (const [code, example] of Object.entries(response.content?.["application/problem+json"]?.examples ?? {})) {
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

    const waited = await relay("/v1/notifications", {
      method: "POST",
      headers: { prefer: "wait=5" },
      json: { notifications: notifications(3) },
    });
    expect(waited.status).toBe(200);
    await expectDocumented("post", "/v1/notifications", waited);

    const status = (await expectDocumented("get", "/v1/status", await relay("/v1/status"))) as {
      adaptations: unknown[];
    };
    expect(status.adaptations.length).toBeGreaterThan(0);
  }, 20_000);

  it("problem answers carry a code their route documents", async () => {
    const post = (init: RequestInit & { json?: unknown; key?: string | null }) =>
      relay("/v1/notifications", { method: "POST", ...init });
    const answers: [Response, number][] = [
      [await post({ key: null, json: { notifications: notifications(1) } }), 401],
      [await post({ body: "{", headers: { "content-type": "application/json" } }), 400],
      [await post({ json: { notifications: [{ openId: "" }] } }), 400],
      [await post({ body: "x", headers: { "content-type": "text/plain" } }), 415],
      [await post({ headers: { "idempotency-key": "two words" }, json: { notifications: notifications(1) } }), 400],
      [
        await post({
          json: { notifications: notifications(Number(setting("RELAY_MAX_NOTIFICATIONS_PER_REQUEST") || 10_000) + 1) },
        }),
        413,
      ],
    ];
    await TestGateway.install();
    await submit(1, { headers: { "idempotency-key": "same-key" } });
    answers.push([
      await post({ headers: { "idempotency-key": "same-key" }, json: { notifications: notifications(2) } }),
      422,
    ]);
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

  it("GET /v1/callback-secrets: 200 for a caller and an admin naming an owner, 403 and 400 as documented", async () => {
    const path = "/v1/callback-secrets";
    await expectDocumented("get", path, await relay(path));
    await expectDocumented("get", path, await relay(`${path}?owner=caller:webhook`, { key: ADMIN_KEY }));
    const forbidden = await relay(`${path}?owner=caller:webhook`);
    expect(forbidden.status).toBe(403);
    await expectDocumented("get", path, forbidden);
    const invalid = await relay(`${path}?owner=nobody`, { key: ADMIN_KEY });
    expect(invalid.status).toBe(400);
    await expectDocumented("get", path, invalid);
  });

  it("GET /healthz", async () => {
    await expectDocumented("get", "/healthz", await relay("/healthz", { key: null }));
  });
});

describe("operator pages", () => {
  it("/docs renders every documented path, operation, problem code and schema, with no script and no external asset", () => {
    const text = renderReference(doc);
    for (const path of Object.keys(doc.paths ?? {})) expect(text).toContain(`<code class="path">${path}</code>`);
    for (const { doc: route } of ROUTES) expect(text).toContain(`id="${route.operationId}"`);
    for (const code of Object.keys(PROBLEMS)) expect(text).toContain(`<code>${code}</code>`);
    for (const name of Object.keys((doc.components as { schemas: object }).schemas))
      expect(text).toContain(`id="schema-${name}"`);
    expect(text).not.toContain("<script");
    // Example values in the document mention shop URLs; only the page's own links and assets matter.
    const links = [...text.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1] ?? "");
    expect(links.filter((link) => !/^(?:\/(?!\/)|#|data:)/.test(link))).toEqual([]);
  });
});
