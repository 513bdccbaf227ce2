/**
 * The deployed Worker's size (what every cold start parses): wrangler's dry-run bundle, raw and gzipped.
 * `npm run bundle-size` prints the same figures on their own. Beside it, the typed client's size as a
 * caller's bundler would ship it: dist/client bundled and minified by esbuild.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildSync } from "esbuild";
import { PROJECT_ROOT } from "../dev/local-run.ts";

/** Bundle size, bytes: the Worker's, and `client` for alipay-notify-relay/client. */
export interface BundleResult {
  rawBytes: number;
  gzipBytes: number;
  client?: { rawBytes: number; gzipBytes: number };
}

/** Bundles the Worker as `wrangler deploy` would, without deploying, and measures `index.js`. */
export function measureBundle(): BundleResult {
  const outdir = mkdtempSync(join(tmpdir(), "relay-bundle-"));
  try {
    execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "inherit"] });
    const code = readFileSync(join(outdir, "index.js"));
    return { rawBytes: code.byteLength, gzipBytes: gzipSync(code).byteLength, client: measureClient() };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The typed client (every export of dist/client/index.js) bundled and minified, raw and gzipped. */
export function measureClient(): { rawBytes: number; gzipBytes: number } {
  const entry = join(PROJECT_ROOT, "dist", "client", "index.js");
  const built = buildSync({ entryPoints: [entry], bundle: true, minify: true, format: "esm", platform: "neutral", write: false });
  const code = built.outputFiles[0]!.contents;
  return { rawBytes: code.byteLength, gzipBytes: gzipSync(code).byteLength };
}
