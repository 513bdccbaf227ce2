/**
 * Regenerates what is derived from the code outside it: the README's settings table (between its markers)
 * and `.dev.vars.example` from src/config/settings.ts, docs/sources.md's generated sections from the
 * sources' declaration schema, and docs/operations.md's table of metrics from src/metrics/declaration.ts.
 * `npm run docs`; test/node/readme.test.ts, docs-sources.test.ts and docs-metrics.test.ts check them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { devVarsExample, README_MARKERS, settingsTable } from "../src/config/docs";
import { withMetricsTable } from "../src/metrics/docs";
import { sourcesDocSections, withSections } from "../src/sources/docs";

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
const sourcesDoc = new URL("docs/sources.md", root);
const example = readFileSync(new URL("examples/sources.json", root), "utf8");
writeFileSync(sourcesDoc, withSections(readFileSync(sourcesDoc, "utf8"), sourcesDocSections(example)));
const operationsDoc = new URL("docs/operations.md", root);
writeFileSync(operationsDoc, withMetricsTable(readFileSync(operationsDoc, "utf8")));
console.log("README.md settings table, .dev.vars.example, docs/sources.md's generated sections and docs/operations.md's metrics written");
