import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/config";
import { HOST_SETTINGS } from "../../src/hosts/self-hosted/settings";
import { PROBLEMS } from "../../src/http/problem";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("documents every setting the relay reads, with its default", () => {
    for (const setting of [...SETTINGS, ...HOST_SETTINGS]) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${setting.name}\` |`));
      expect(row, setting.name).toBeDefined();
      if ("default" in setting && setting.default !== undefined) expect(row, setting.name).toContain(`\`${setting.default}\``);
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
