import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { devVarsExample, README_MARKERS, settingsTable } from "../../src/config/docs";
import { HOST_SETTINGS } from "../../src/hosts/self-hosted/settings";
import { PROBLEMS } from "../../src/http/problem";
import { README_BENCH_MARKERS, readmeBenchBlock } from "../../bench/report.ts";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const readme = read("README.md");

describe("README and .dev.vars.example follow src/config/settings.ts (run `npm run docs` after changing it)", () => {
  it("the settings table is the one generated from the declaration", () => {
    const start = readme.indexOf(README_MARKERS.start);
    const end = readme.indexOf(README_MARKERS.end);
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + README_MARKERS.start.length, end).trim()).toBe(settingsTable());
  });

  it(".dev.vars.example lists every setting (so `wrangler types` types them all)", () => {
    expect(read(".dev.vars.example")).toBe(devVarsExample());
  });

  it("documents every self-hosted setting (PORT, HOST, …) with its default", () => {
    for (const [name, setting] of Object.entries(HOST_SETTINGS)) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      expect(row, name).toContain(`\`${setting.default}\``);
    }
  });

  it("lists every problem code", () => {
    for (const code of Object.keys(PROBLEMS)) expect(readme, code).toContain(`\`${code}\``);
  });

  it("starts with the install-and-start and test commands", () => {
    const firstBlock = readme.slice(readme.indexOf("```sh"), readme.indexOf("```", readme.indexOf("```sh") + 5));
    expect(firstBlock).toContain("npm install && npm start");
    expect(firstBlock).toContain("npm test");
  });
});

describe("README's benchmark table", () => {
  it("is the one in bench/results.json (`npm run bench` writes both)", () => {
    const saved = JSON.parse(read("bench/results.json")) as Parameters<typeof readmeBenchBlock>[0];
    const start = readme.indexOf(README_BENCH_MARKERS.start);
    const end = readme.indexOf(README_BENCH_MARKERS.end);
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + README_BENCH_MARKERS.start.length, end).trim()).toBe(readmeBenchBlock(saved));
  });
});
