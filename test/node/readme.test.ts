import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BENCH_DOC, BENCH_MARKERS, benchBlock } from "../../bench/report.ts";
import {
  CONFIGURATION_DOC,
  devVarsExample,
  generatedPart,
  HOST_SETTINGS_MARKERS,
  SETTINGS_MARKERS,
  settingsTable,
  tableOf,
} from "../../src/config/docs";
import { HOST_SETTINGS } from "../../src/hosts/self-hosted/settings";
import { PROBLEMS } from "../../src/http/problem";
import { brokenLinks, headingAnchors } from "../support/markdown-links";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");
const readme = read("README.md");
const configuration = read(CONFIGURATION_DOC);
const api = read("docs/api.md");

describe("docs/configuration.md and .dev.vars.example follow the declarations (run `npm run docs` after changing them)", () => {
  it("the settings table is the one generated from src/config/settings.ts", () => {
    expect(generatedPart(configuration, SETTINGS_MARKERS)).toBe(settingsTable());
  });

  it(".dev.vars.example lists every setting (so `wrangler types` types them all)", () => {
    expect(read(".dev.vars.example")).toBe(devVarsExample());
  });

  it("the self-hosted table is generated from their declaration, each setting (PORT, HOST, …) with its default", () => {
    expect(generatedPart(configuration, HOST_SETTINGS_MARKERS)).toBe(tableOf(HOST_SETTINGS));
    for (const [name, setting] of Object.entries(HOST_SETTINGS)) {
      const row = configuration.split("\n").find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      expect(row, name).toContain(`\`${setting.default}\``);
    }
  });
});

describe("docs/api.md", () => {
  it("lists every problem code with its status", () => {
    for (const [code, { status }] of Object.entries(PROBLEMS)) {
      const row = api.split("\n").find((line) => line.startsWith(`| ${status} |`) && line.includes(`\`${code}\``));
      expect(row, code).toBeDefined();
    }
  });
});

describe("README.md", () => {
  it("starts with the install-and-start and test commands", () => {
    const firstBlock = readme.slice(readme.indexOf("```sh"), readme.indexOf("```", readme.indexOf("```sh") + 5));
    expect(firstBlock).toContain("npm install && npm start");
    expect(firstBlock).toContain("npm test");
  });

  it("links every page of docs/", () => {
    for (const page of readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md"))) {
      expect(readme, page).toContain(`(docs/${page})`);
    }
  });
});

describe("docs/benchmarks.md's benchmark table", () => {
  it("is the one in bench/results.json (`npm run bench` writes both)", () => {
    const saved = JSON.parse(read("bench/results.json")) as Parameters<typeof benchBlock>[0];
    expect(generatedPart(read(BENCH_DOC), BENCH_MARKERS)).toBe(benchBlock(saved));
  });
});

describe("relative links", () => {
  const pages = [
    "README.md",
    "bench/README.md",
    "examples/README.md",
    ...readdirSync(join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];

  it("of README.md, docs/*.md, bench/ and examples/ point at files and headings that exist", () => {
    expect(brokenLinks(root, pages)).toEqual([]);
  });

  it("are found broken when the file or the heading is missing (the check itself)", () => {
    const dir = mkdtempSync(join(tmpdir(), "links-"));
    try {
      writeFileSync(
        join(dir, "a.md"),
        "# A page\n\n## Rotating `RELAY_API_KEYS` (bearer keys)\n\n[ok](b.md#the-end) [file](c.md) [anchor](b.md#nowhere) " +
          "[self](#rotating-relay_api_keys-bearer-keys) [web](https://example.com/x.md)\n\n```\n[in code](d.md)\n```\n",
      );
      writeFileSync(join(dir, "b.md"), "# B\n\n## The end\n");
      expect(brokenLinks(dir, ["a.md"]).map((b) => b.target)).toEqual(["c.md", "b.md#nowhere"]);
      expect(headingAnchors("## Run it\n## Run it\n")).toEqual(new Set(["run-it", "run-it-1"]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
