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
  client?: ClientBundle;
}

/** The typed client as a caller's bundler ships it. */
export interface ClientBundle {
  rawBytes: number;
  gzipBytes: number;
  /** The files bundled, relative to the project: dist/client's own, and any package it pulled in. */
  inputs: string[];
  /** Of `inputs`, those from a package (node_modules): none, as the client needs nothing beyond fetch. */
  packages: string[];
}

/** Bundles the Worker as `wrangler deploy` would, without deploying, and measures `index.js`. */
export function measureBundle(): BundleResult {
  const outdir = mkdtempSync(join(tmpdir(), "relay-bundle-"));
  try {
    execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const code = readFileSync(join(outdir, "index.js"));
    return { rawBytes: code.byteLength, gzipBytes: gzipSync(code).byteLength, client: measureClient() };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The typed client (every export of dist/client/index.js, the file the package exports) bundled and
 * minified, raw and gzipped, and what went into it.
 */
export function measureClient(): ClientBundle {
  const entry = join(PROJECT_ROOT, "dist", "client", "index.js");
  const built = buildSync({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    write: false,
    metafile: true,
    absWorkingDir: PROJECT_ROOT,
  });
  const code = built.outputFiles[0]!.contents;
  const inputs = Object.keys(built.metafile.inputs).sort();
  return {
    rawBytes: code.byteLength,
    gzipBytes: gzipSync(code).byteLength,
    inputs,
    packages: inputs.filter((file) => file.includes("node_modules/")),
  };
}
