/**
 * The relay's OpenAPI document is valid OpenAPI 3.1, checked against the specification's own JSON
 * schemas by @seriousme/openapi-schema-validator. (It reads those schemas from disk and compiles them
 * with ajv, so it runs in plain Node, not in workerd.)
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";

// Loaded by a computed path: the Worker's sources are typechecked with the Workers types (tsconfig.json),
// not with this project's Node types, which would clash with them.
async function relayDocument(): Promise<unknown> {
  const load = (path: string) => import(path) as Promise<Record<string, (...args: unknown[]) => unknown>>;
  const { app } = (await load("../../src/http/app")) as unknown as { app: unknown };
  const { openApiDocument } = await load("../../src/http/openapi/document");
  return openApiDocument!(app) as unknown;
}

describe("the OpenAPI document", () => {
  // validate() also fails on a $ref that points nowhere ("Can't resolve ...").
  it("validates as OpenAPI 3.1, every $ref resolving", async () => {
    const document = JSON.parse(JSON.stringify(await relayDocument())) as Record<string, unknown>;
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("the validator is not a rubber stamp: a broken document fails", async () => {
    const document = JSON.parse(JSON.stringify(await relayDocument())) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operation = document.paths["/v1/status"]?.get as { responses: Record<string, unknown> };
    operation.responses["200"] = { content: {} }; // a response object must have a description
    expect((await new Validator().validate(document)).valid).toBe(false);
  });
});
