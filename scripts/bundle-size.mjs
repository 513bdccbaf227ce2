// Prints the deployed Worker's size, raw and gzipped: `npm run bundle-size` (wrangler's dry-run bundle),
// and the typed client's as a caller's bundler ships it (dist/client bundled and minified by esbuild).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildSync } from "esbuild";

const outdir = mkdtempSync(join(tmpdir(), "relay-bundle-"));
execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
  stdio: ["ignore", "ignore", "inherit"],
});
const code = readFileSync(join(outdir, "index.js"));
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(`index.js: ${kib(code.byteLength)} raw, ${kib(gzipSync(code).byteLength)} gzipped (${outdir})`);
const client = buildSync({
  entryPoints: ["dist/client/index.js"],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "neutral",
  write: false,
}).outputFiles[0].contents;
console.log(
  `client: ${kib(client.byteLength)} raw, ${kib(gzipSync(client).byteLength)} gzipped (dist/client, minified)`,
);
