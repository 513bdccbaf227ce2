/**
 * Regenerates what is derived from the code outside it: docs/configuration.md's settings tables (between
 * their markers) and `.dev.vars.example` from src/config/settings.ts and the self-hosted settings,
 * docs/sources.md's generated sections from the sources' declaration schema, and docs/operations.md's
 * table of metrics from src/metrics/declaration.ts.
 * `npm run docs`; test/node/readme.test.ts, docs-sources.test.ts and docs-metrics.test.ts check them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import {
  CONFIGURATION_DOC,
  devVarsExample,
  HOST_SETTINGS_MARKERS,
  SETTINGS_MARKERS,
  settingsTable,
  tableOf,
  withGenerated,
} from "../src/config/docs";
import { HOST_SETTINGS } from "../src/hosts/self-hosted/settings";
import { withMetricsTable } from "../src/metrics/docs";
import { sourcesDocSections, withSections } from "../src/sources/docs";

// Run from the package root (npm scripts do); this file is bundled to .wrangler/tmp first.
const root = new URL(`file://${process.cwd()}/`);
const configurationDoc = new URL(CONFIGURATION_DOC, root);
let configuration = readFileSync(configurationDoc, "utf8");
configuration = withGenerated(configuration, SETTINGS_MARKERS, settingsTable());
configuration = withGenerated(configuration, HOST_SETTINGS_MARKERS, tableOf(HOST_SETTINGS));
writeFileSync(configurationDoc, configuration);
writeFileSync(new URL(".dev.vars.example", root), devVarsExample());
const sourcesDoc = new URL("docs/sources.md", root);
const example = readFileSync(new URL("examples/sources.json", root), "utf8");
writeFileSync(sourcesDoc, withSections(readFileSync(sourcesDoc, "utf8"), sourcesDocSections(example)));
const operationsDoc = new URL("docs/operations.md", root);
writeFileSync(operationsDoc, withMetricsTable(readFileSync(operationsDoc, "utf8")));
console.log(
  `${CONFIGURATION_DOC}'s settings tables, .dev.vars.example, docs/sources.md's generated sections and docs/operations.md's metrics written`,
);
