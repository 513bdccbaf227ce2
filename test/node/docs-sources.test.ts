import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sourcesDocSections, withSections } from "../../src/sources/docs";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

describe("docs/sources.md follows the code (run `npm run docs` after changing the declaration's schema)", () => {
  it("its reference, reasons and example are the generated ones", () => {
    const doc = read("docs/sources.md");
    expect(withSections(doc, sourcesDocSections(read("examples/sources.json")))).toBe(doc);
  });

  it("the reference names every field of a source and of a mapping, and every kind of value", () => {
    const { reference } = sourcesDocSections("{}");
    for (const field of [
      "provider",
      "secrets",
      "events",
      "merchantId",
      "dedupKey",
      "expiresAfter",
      "maxBodyBytes",
      "when",
      "openId",
      "templateCode",
      "templateValue",
    ]) {
      expect(reference, field).toContain(`| \`${field}\` |`);
    }
    for (const kind of [
      "`{field, default?}`",
      "`{text}`",
      "`{url}`",
      "`{amount, currency?, currencyCode?, minorUnits?, locale?}`",
    ]) {
      expect(reference, kind).toContain(kind);
    }
  });
});
