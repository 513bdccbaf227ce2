/**
 * The deployed Worker's size (what every cold start parses): wrangler's dry-run bundle, raw and gzipped.
 * `npm run bundle-size` prints the same figures on their own.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PROJECT_ROOT } from "../dev/local-run.ts";

/** Bundle size, bytes. */
export interface BundleResult {
  rawBytes: number;
  gzipBytes: number;
}

/** Bundles the Worker as `wrangler deploy` would, without deploying, and measures `index.js`. */
export function measureBundle(): BundleResult {
  const outdir = mkdtempSync(join(tmpdir(), "relay-bundle-"));
  try {
    execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "inherit"] });
    const code = readFileSync(join(outdir, "index.js"));
    return { rawBytes: code.byteLength, gzipBytes: gzipSync(code).byteLength };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
