/**
 * Writes the pages derived from the routes: `public/openapi.json` (the OpenAPI document built from the
 * routes' own registrations) and `public/docs.html` (its HTML rendering, served at `/docs`). They are
 * files, so the deployed Worker carries no JSON Schema or page code. `npm run pages`; wrangler runs it
 * before `wrangler dev` and `wrangler deploy` (wrangler.toml [build]), scripts/self-hosted.ts before a
 * self-hosted start. Generated, not committed (.gitignore).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { app } from "../src/http/app";
import { openApiDocument } from "../src/http/openapi/document";
import { renderReference } from "../src/http/pages/reference";

/** The generated pages, by file name under `public/`. */
export const PAGE_FILES = ["openapi.json", "docs.html"] as const;

/** The pages' contents, by file name. */
export function pages(): Record<(typeof PAGE_FILES)[number], string> {
  const document = openApiDocument(app);
  return { "openapi.json": `${JSON.stringify(document)}\n`, "docs.html": renderReference(document) };
}

/** Writes the pages into `dir`. */
export function writePages(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(pages())) writeFileSync(join(dir, name), text);
}

// Run as a script (bundled to .wrangler/tmp by `npm run pages`): into public/ of the working directory.
if (process.argv[1]?.endsWith("build-pages.mjs")) {
  writePages(join(process.cwd(), "public"));
  console.log(`public/${PAGE_FILES.join(", public/")} written`);
}
