/**
 * Builds and starts the self-hosted relay (Deno or Node). The sources use extensionless relative imports
 * (bundler resolution, as wrangler bundles them), which neither Node's type stripping nor Deno accept as
 * they are; esbuild (pinned) bundles one entry per runtime into `dist/self-hosted/<runtime>.mjs` in
 * about a tenth of a second, and both runtimes run plain JavaScript with only `node:` imports left.
 * Shared by `npm run serve:*`, `npm start -- --runtime`, the end-to-end tests and the bench.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";

/** The self-hosted runtimes. */
export type SelfHostedRuntime = "node" | "deno";

/** Bundles `src/hosts/<runtime>/main.ts` under `root` (by default into dist/); resolves to the bundle's path. */
export async function buildSelfHosted(
  runtime: SelfHostedRuntime,
  root: string,
  outfile = join(root, "dist", "self-hosted", `${runtime}.mjs`),
): Promise<string> {
  await build({
    entryPoints: [join(root, "src", "hosts", runtime, "main.ts")],
    outfile,
    bundle: true,
    format: "esm",
    // Both runtimes provide node:sqlite and friends; platform node leaves `node:` imports to them.
    platform: "node",
    target: "es2024",
    sourcemap: "linked",
    logLevel: "warning",
  });
  return outfile;
}

/** The Deno binary from the `deno` npm package (not its Node wrapper, so signals reach Deno itself). */
export function denoExecutable(root: string): string {
  const require = createRequire(join(root, "package.json"));
  return (require("deno/install_api.cjs") as { runInstall(): string }).runInstall();
}

/** The command that runs a built bundle: the executable and its arguments. */
export function runtimeCommand(
  runtime: SelfHostedRuntime,
  bundle: string,
  root: string,
  nodePath = process.execPath,
): { command: string; args: string[] } {
  if (runtime === "node") return { command: nodePath, args: ["--enable-source-maps", bundle] };
  // No project config or npm resolution: the bundle imports nothing but node: built-ins.
  const permissions = ["--allow-net", "--allow-env", "--allow-read", "--allow-write"];
  return { command: denoExecutable(root), args: ["run", "--no-config", "--no-prompt", ...permissions, bundle] };
}
