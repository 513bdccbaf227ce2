// Prints the deployed Worker's size, raw and gzipped: `npm run bundle-size` (wrangler's dry-run bundle).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const outdir = mkdtempSync(join(tmpdir(), "relay-bundle-"));
execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], { stdio: ["ignore", "ignore", "inherit"] });
const code = readFileSync(join(outdir, "index.js"));
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(`index.js: ${kib(code.byteLength)} raw, ${kib(gzipSync(code).byteLength)} gzipped (${outdir})`);
