/**
 * Regenerates what is derived from src/config/settings.ts outside the code: the README's settings table
 * (between its markers) and `.dev.vars.example`. `npm run docs`; test/node/readme.test.ts checks both.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { devVarsExample, README_MARKERS, settingsTable } from "../src/config/docs";

// Run from the package root (npm scripts do); this file is bundled to .wrangler/tmp first.
const root = new URL(`file://${process.cwd()}/`);
const readmeUrl = new URL("README.md", root);
const readme = readFileSync(readmeUrl, "utf8");
const start = readme.indexOf(README_MARKERS.start);
const end = readme.indexOf(README_MARKERS.end);
if (start < 0 || end < start) throw new Error(`README.md needs ${README_MARKERS.start} … ${README_MARKERS.end}`);
const table = `${README_MARKERS.start}\n${settingsTable()}\n`;
writeFileSync(readmeUrl, readme.slice(0, start) + table + readme.slice(end));
writeFileSync(new URL(".dev.vars.example", root), devVarsExample());
console.log("README.md settings table and .dev.vars.example written");
