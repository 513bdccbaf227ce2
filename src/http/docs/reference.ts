/**
 * The API reference page, rendered on the server from the OpenAPI document itself (not from the route
 * table), so what a reader sees is exactly what `/openapi.json` says.
 */
import type { JsonSchema, MediaTypeObject, OpenApiDocument, OperationObject, ResponseObject } from "../openapi";
import { escapeHtml, htmlPage } from "../pages/html";

/** Renders the whole reference page. */
export function renderReference(doc: OpenApiDocument): string {
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation: operation as OperationObject })),
  );
  const nav = doc.tags
    .map((tag) => {
      const items = operations
        .filter(({ operation }) => operation.tags.includes(tag.name))
        .map(({ path, method, operation }) =>
          `<li><a href="#${escapeHtml(operation.operationId)}"><span class="method ${method}">${method}</span> ${escapeHtml(path)}</a></li>`,
        )
        .join("");
      return `<h3>${escapeHtml(tag.name)}</h3><ul>${items}</ul>`;
    })
    .join("");
  const schemaNav = Object.keys(doc.components.schemas)
    .map((name) => `<li><a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a></li>`)
    .join("");

  const body = `
<header class="topbar">
  <h1>${escapeHtml(doc.info.title)} <span class="muted">API reference · v${escapeHtml(doc.info.version)}</span></h1>
  <nav><a href="/openapi.json">openapi.json</a><a href="/dashboard">Dashboard</a></nav>
</header>
<div class="reference">
  <aside class="toc">${nav}<h3>Schemas</h3><ul>${schemaNav}</ul></aside>
  <main>
    <section class="intro">${paragraphs(doc.info.description)}</section>
    <section><h2 id="authentication">Authentication</h2>${securityTable(doc)}</section>
    ${doc.tags
      .map((tag) => {
        const ops = operations.filter(({ operation }) => operation.tags.includes(tag.name));
        return `<section><h2>${escapeHtml(tag.name)}</h2><p class="muted">${inline(tag.description)}</p>${ops
          .map(({ path, method, operation }) => renderOperation(doc, path, method, operation))
          .join("")}</section>`;
      })
      .join("")}
    <section><h2 id="schemas">Schemas</h2>${Object.entries(doc.components.schemas)
      .map(([name, schema]) => renderSchemaSection(name, schema))
      .join("")}</section>
  </main>
</div>`;
  return htmlPage({ title: `${doc.info.title} — API reference`, body, bodyClass: "docs" });
}

function renderOperation(doc: OpenApiDocument, path: string, method: string, operation: OperationObject): string {
  const auth = operation.security.length === 0
    ? "No credentials."
    : `Credentials: ${operation.security.map((option) => Object.keys(option).map((s) => `<code>${escapeHtml(s)}</code>`).join(" + ")).join(" or ")}.`;
  const parameters = (operation.parameters ?? []).map((ref) => doc.components.parameters[refName(ref.$ref)]).filter((p) => p !== undefined);
  const parameterTable = parameters.length
    ? `<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>${parameters
        .map((p) => `<tr><td><code>${escapeHtml(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ""}</td><td>${p.in}</td><td>${typeLabel(p.schema)}</td><td>${inline(p.description)}${p.example ? ` Example: <code>${escapeHtml(p.example)}</code>` : ""}</td></tr>`)
        .join("")}</tbody></table>`
    : "";
  const request = operation.requestBody
    ? `<h4>Request body</h4>${Object.entries(operation.requestBody.content).map(([type, media]) => mediaBlock(type, media)).join("")}`
    : "";
  const responses = Object.entries(operation.responses).map(([status, response]) => renderResponse(doc, status, response)).join("");
  return `
<article class="operation" id="${escapeHtml(operation.operationId)}">
  <h3><span class="method ${method}">${method.toUpperCase()}</span> <code class="path">${escapeHtml(path)}</code></h3>
  <p class="summary">${escapeHtml(operation.summary)}</p>
  ${paragraphs(operation.description)}
  <p class="auth">${auth}</p>
  ${parameterTable}${request}
  <h4>Responses</h4>${responses}
</article>`;
}

function renderResponse(doc: OpenApiDocument, status: string, response: ResponseObject): string {
  const kind = status.startsWith("2") ? "ok" : "error";
  const headers = Object.keys(response.headers ?? {});
  const headerLine = headers.length
    ? `<p class="headers">Headers: ${headers.map((name) => `<code title="${escapeHtml(doc.components.headers[name]?.description ?? "")}">${escapeHtml(name)}</code>`).join(", ")}</p>`
    : "";
  return `
<div class="response">
  <div class="response-head"><span class="status ${kind}">${escapeHtml(status)}</span> ${inline(response.description)}</div>
  ${headerLine}${Object.entries(response.content).map(([type, media]) => mediaBlock(type, media)).join("")}
</div>`;
}

function mediaBlock(type: string, media: MediaTypeObject): string {
  const examples = Object.entries(media.examples ?? {})
    .map(([name, example]) => `<details><summary>Example <code>${escapeHtml(name)}</code>: ${escapeHtml(example.summary)}</summary><pre>${escapeHtml(JSON.stringify(example.value, null, 2))}</pre></details>`)
    .join("");
  return `<p class="media"><code>${escapeHtml(type)}</code> — ${typeLabel(media.schema)}</p>${examples}`;
}

function renderSchemaSection(name: string, schema: JsonSchema): string {
  const rows = propertyRows(schema, "");
  const table = rows.length
    ? `<table><thead><tr><th>Field</th><th>Type</th><th>Description</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
    : `<p>${typeLabel(schema)}</p>`;
  const description = typeof schema.description === "string" ? paragraphs(schema.description) : "";
  return `<article class="schema" id="schema-${escapeHtml(name)}"><h3>${escapeHtml(name)}</h3>${description}${table}</article>`;
}

/** One row per property, nested objects (and arrays of objects) flattened as `a.b` and `a[].b`. */
function propertyRows(schema: JsonSchema, prefix: string): string[] {
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (!properties) return [];
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(properties).flatMap(([name, property]) => {
    const field = `${prefix}${name}`;
    const row = `<tr><td><code>${escapeHtml(field)}</code>${required.has(name) ? ' <span class="req">required</span>' : ""}</td><td>${typeLabel(property)}</td><td>${describe(property)}</td></tr>`;
    const items = property.items as JsonSchema | undefined;
    const nested = property.type === "object" ? propertyRows(property, `${field}.`) : items?.type === "object" ? propertyRows(items, `${field}[].`) : [];
    return [row, ...nested];
  });
}

/** A compact, linked type: `JobView`, `string (date-time)`, `"queued" | "running"`, `BatchView[]`. */
function typeLabel(schema: JsonSchema): string {
  if (typeof schema.$ref === "string") {
    const name = refName(schema.$ref);
    const codes = ((schema.properties as Record<string, JsonSchema> | undefined)?.code?.enum as string[] | undefined) ?? [];
    const narrowed = codes.length ? ` with <code>code</code> ${codes.map((c) => `<code>${escapeHtml(c)}</code>`).join(", ")}` : "";
    return `<a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a>${narrowed}`;
  }
  if ("const" in schema) return `<code>${escapeHtml(JSON.stringify(schema.const))}</code>`;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(" | ");
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (union) return union.map(typeLabel).join(" | ");
  if (schema.type === "array") return `${typeLabel((schema.items as JsonSchema | undefined) ?? {})}[]`;
  if (schema.type === "object") {
    const extra = schema.additionalProperties;
    if (!schema.properties && extra && typeof extra === "object" && Object.keys(extra).length) {
      return `map of ${typeLabel(extra as JsonSchema)}`;
    }
    return "object";
  }
  if (typeof schema.type === "string") return `${schema.type}${typeof schema.format === "string" ? ` (${escapeHtml(schema.format)})` : ""}`;
  return "any";
}

/** The description plus the constraints a caller must meet. */
function describe(schema: JsonSchema): string {
  const limits: string[] = [];
  const add = (keyword: string, text: (value: unknown) => string) => {
    if (schema[keyword] !== undefined) limits.push(text(schema[keyword]));
  };
  add("minLength", (v) => `at least ${String(v)} characters`);
  add("maxLength", (v) => `at most ${String(v)} characters`);
  add("minItems", (v) => `at least ${String(v)} items`);
  add("pattern", (v) => `matches <code>${escapeHtml(String(v))}</code>`);
  const text = typeof schema.description === "string" ? inline(schema.description) : "";
  return [text, limits.length ? `<span class="muted">(${limits.join("; ")})</span>` : ""].filter(Boolean).join(" ");
}

function securityTable(doc: OpenApiDocument): string {
  const rows = Object.entries(doc.components.securitySchemes)
    .map(([name, scheme]) => {
      const how = scheme.type === "http" ? `HTTP ${escapeHtml(scheme.scheme ?? "")}` : `header <code>${escapeHtml(scheme.name ?? "")}</code>`;
      return `<tr><td><code>${escapeHtml(name)}</code></td><td>${how}</td><td>${inline(scheme.description)}</td></tr>`;
    })
    .join("");
  return `<table><thead><tr><th>Scheme</th><th>Where</th><th>Description</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf("/") + 1);
}

/** Escaped text with `code` spans: the only markup the document's descriptions use. */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

function paragraphs(text: string): string {
  return text.split(/\n{2,}/).map((p) => `<p>${inline(p)}</p>`).join("");
}
