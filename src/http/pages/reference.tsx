/**
 * The API reference page, rendered on the server from the OpenAPI document itself, so what a reader sees
 * is exactly what `/openapi.json` says. hono/jsx escapes every text and attribute.
 */
import type { OpenApiDocument } from "../openapi/document";
import { Inline, Layout, Paragraphs } from "./layout";

type Schema = { [keyword: string]: unknown };
type Media = { schema?: Schema; examples?: Record<string, { summary?: string; value?: unknown }> };
type Operation = {
  operationId: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: ({ $ref: string } | Parameter)[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<
    string,
    { description: string; headers?: Record<string, unknown>; content?: Record<string, Media> }
  >;
};
type Parameter = {
  name: string;
  in: string;
  required?: boolean;
  description: string;
  schema: Schema;
  example?: string;
};

const refName = (ref: string) => ref.slice(ref.lastIndexOf("/") + 1);

/** Renders the whole reference page. */
export function renderReference(doc: OpenApiDocument): string {
  const operations = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods ?? {}).map(([method, operation]) => ({ path, method, operation: operation as Operation })),
  );
  const tags = doc.tags ?? [];
  const components = doc.components as {
    schemas?: Record<string, Schema>;
    parameters?: Record<string, Parameter>;
    securitySchemes?: Record<string, Schema>;
  };
  const schemas = components.schemas ?? {};
  const page = (
    <Layout title={`${doc.info.title} — API reference`} bodyClass="docs">
      <header class="topbar">
        <h1>
          {doc.info.title} <span class="muted">API reference · v{doc.info.version}</span>
        </h1>
        <nav>
          <a href="/openapi.json">openapi.json</a>
          <a href="/dashboard">Dashboard</a>
        </nav>
      </header>
      <div class="reference">
        <aside class="toc">
          {tags.map((tag) => (
            <>
              <h3>{tag.name}</h3>
              <ul>
                {operations
                  .filter(({ operation }) => operation.tags?.includes(tag.name))
                  .map(({ path, method, operation }) => (
                    <li>
                      <a href={`#${operation.operationId}`}>
                        <span class={`method ${method}`}>{method}</span> {path}
                      </a>
                    </li>
                  ))}
              </ul>
            </>
          ))}
          <h3>Schemas</h3>
          <ul>
            {Object.keys(schemas).map((name) => (
              <li>
                <a href={`#schema-${name}`}>{name}</a>
              </li>
            ))}
          </ul>
        </aside>
        <main>
          <section class="intro">
            <Paragraphs text={doc.info.description ?? ""} />
          </section>
          <section>
            <h2 id="authentication">Authentication</h2>
            <table>
              <thead>
                <tr>
                  <th>Scheme</th>
                  <th>Where</th>
                  <th>Description</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(components.securitySchemes ?? {}).map(([name, scheme]) => (
                  <tr>
                    <td>
                      <code>{name}</code>
                    </td>
                    <td>
                      {scheme.type === "http" ? (
                        `HTTP ${String(scheme.scheme)}`
                      ) : (
                        <>
                          header <code>{String(scheme.name)}</code>
                        </>
                      )}
                    </td>
                    <td>
                      <Inline text={String(scheme.description ?? "")} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          {tags.map((tag) => (
            <section>
              <h2>{tag.name}</h2>
              <p class="muted">
                <Inline text={tag.description ?? ""} />
              </p>
              {operations
                .filter(({ operation }) => operation.tags?.includes(tag.name))
                .map(({ path, method, operation }) => (
                  <OperationBlock
                    path={path}
                    method={method}
                    operation={operation}
                    parameters={components.parameters ?? {}}
                  />
                ))}
            </section>
          ))}
          <section>
            <h2 id="schemas">Schemas</h2>
            {Object.entries(schemas).map(([name, schema]) => (
              <article class="schema" id={`schema-${name}`}>
                <h3>{name}</h3>
                {typeof schema.description === "string" ? <Paragraphs text={schema.description} /> : null}
                <PropertyTable schema={schema} />
              </article>
            ))}
          </section>
        </main>
      </div>
    </Layout>
  );
  return `<!doctype html>\n${page.toString()}`;
}

function OperationBlock(props: {
  path: string;
  method: string;
  operation: Operation;
  parameters: Record<string, Parameter>;
}) {
  const { operation } = props;
  const security = operation.security ?? [];
  const parameters = (operation.parameters ?? [])
    .map((p) => ("$ref" in p ? props.parameters[refName(p.$ref)] : p))
    .filter((p) => p !== undefined);
  return (
    <article class="operation" id={operation.operationId}>
      <h3>
        <span class={`method ${props.method}`}>{props.method.toUpperCase()}</span>{" "}
        <code class="path">{props.path}</code>
      </h3>
      <p class="summary">{operation.summary}</p>
      <Paragraphs text={operation.description ?? ""} />
      <p class="auth">
        {security.length === 0 ? (
          "No credentials."
        ) : (
          <>
            Credentials:{" "}
            {security.map((option, i) => (
              <>
                {i > 0 ? " or " : ""}
                {Object.keys(option).map((s) => (
                  <code>{s}</code>
                ))}
              </>
            ))}
            .
          </>
        )}
      </p>
      {parameters.length > 0 ? (
        <>
          <h4>Parameters</h4>
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>In</th>
                <th>Type</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {parameters.map((p) => (
                <tr>
                  <td>
                    <code>{p.name}</code>
                    {p.required ? (
                      <>
                        {" "}
                        <span class="req">required</span>
                      </>
                    ) : null}
                  </td>
                  <td>{p.in}</td>
                  <td>
                    <TypeLabel schema={p.schema} />
                  </td>
                  <td>
                    <Inline text={p.description} />
                    {p.example ? (
                      <>
                        {" "}
                        Example: <code>{p.example}</code>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {operation.requestBody ? (
        <>
          <h4>Request body</h4>
          {Object.entries(operation.requestBody.content).map(([type, media]) => (
            <MediaBlock type={type} media={media} />
          ))}
        </>
      ) : null}
      <h4>Responses</h4>
      {Object.entries(operation.responses).map(([status, response]) => (
        <div class="response">
          <div class="response-head">
            <span class={`status ${status.startsWith("2") ? "ok" : "error"}`}>{status}</span>{" "}
            <Inline text={response.description} />
          </div>
          {response.headers ? (
            <p class="headers">
              Headers:{" "}
              {Object.keys(response.headers).map((name, i) => (
                <>
                  {i > 0 ? ", " : ""}
                  <code>{name}</code>
                </>
              ))}
            </p>
          ) : null}
          {Object.entries(response.content ?? {}).map(([type, media]) => (
            <MediaBlock type={type} media={media} />
          ))}
        </div>
      ))}
    </article>
  );
}

function MediaBlock(props: { type: string; media: Media }) {
  return (
    <>
      <p class="media">
        <code>{props.type}</code> — <TypeLabel schema={props.media.schema ?? {}} />
      </p>
      {Object.entries(props.media.examples ?? {}).map(([name, example]) => (
        <details>
          <summary>
            Example <code>{name}</code>: {example.summary}
          </summary>
          <pre>{JSON.stringify(example.value, null, 2)}</pre>
        </details>
      ))}
    </>
  );
}

/** One row per property, nested objects (and arrays of objects) flattened as `a.b` and `a[].b`. */
function PropertyTable(props: { schema: Schema }) {
  const rows = propertyRows(props.schema, "");
  if (rows.length === 0)
    return (
      <p>
        <TypeLabel schema={props.schema} />
      </p>
    );
  return (
    <table>
      <thead>
        <tr>
          <th>Field</th>
          <th>Type</th>
          <th>Description</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ field, required, schema }) => (
          <tr>
            <td>
              <code>{field}</code>
              {required ? (
                <>
                  {" "}
                  <span class="req">required</span>
                </>
              ) : null}
            </td>
            <td>
              <TypeLabel schema={schema} />
            </td>
            <td>{typeof schema.description === "string" ? <Inline text={schema.description} /> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function propertyRows(schema: Schema, prefix: string): { field: string; required: boolean; schema: Schema }[] {
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (!properties) return [];
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(properties).flatMap(([name, property]) => {
    const field = `${prefix}${name}`;
    const items = property.items as Schema | undefined;
    const nested =
      property.type === "object"
        ? propertyRows(property, `${field}.`)
        : items?.type === "object"
          ? propertyRows(items, `${field}[].`)
          : [];
    return [{ field, required: required.has(name), schema: property }, ...nested];
  });
}

/** A compact, linked type: `JobView`, `string (date-time)`, `"queued" | "running"`, `BatchView[]`. */
function TypeLabel(props: { schema: Schema }) {
  const { schema } = props;
  if (typeof schema.$ref === "string") {
    const name = refName(schema.$ref);
    const codes = ((schema.properties as Record<string, Schema> | undefined)?.code?.enum as string[] | undefined) ?? [];
    return (
      <>
        <a href={`#schema-${name}`}>{name}</a>
        {codes.length ? (
          <>
            {" "}
            with <code>code</code>{" "}
            {codes.map((code, i) => (
              <>
                {i > 0 ? ", " : ""}
                <code>{code}</code>
              </>
            ))}
          </>
        ) : null}
      </>
    );
  }
  if ("const" in schema) return <code>{JSON.stringify(schema.const)}</code>;
  if (Array.isArray(schema.enum))
    return (
      <>
        {schema.enum.map((v, i) => (
          <>
            {i > 0 ? " | " : ""}
            <code>{JSON.stringify(v)}</code>
          </>
        ))}
      </>
    );
  const union = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (union)
    return (
      <>
        {union.map((member, i) => (
          <>
            {i > 0 ? " | " : ""}
            <TypeLabel schema={member} />
          </>
        ))}
      </>
    );
  if (schema.type === "array")
    return (
      <>
        <TypeLabel schema={(schema.items as Schema | undefined) ?? {}} />
        []
      </>
    );
  if (typeof schema.type === "string")
    return (
      <>
        {schema.type}
        {typeof schema.format === "string" ? ` (${schema.format})` : ""}
      </>
    );
  return <>any</>;
}
