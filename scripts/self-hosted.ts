/**
 * Builds and starts the self-hosted relay (Deno or Node). The sources use extensionless relative imports
 * (bundler resolution, as wrangler bundles them), which neither Node's type stripping nor Deno accept as
 * they are; esbuild (pinned) bundles one entry per runtime into `dist/self-hosted/<runtime>.mjs` in
 * about a tenth of a second, and both runtimes run plain JavaScript with only `node:` imports left.
 * Shared by `npm run serve:*`, `npm start -- --runtime`, the end-to-end tests and the bench.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";

/** The self-hosted runtimes. */
export type SelfHostedRuntime = "node" | "deno";

/** What the process may touch, written beside each bundle: the names of the settings it reads. */
interface ProcessFacts {
  settingNames: string[];
  defaultDataDir: string;
}

/** Where `buildSelfHosted` writes the facts of `bundle`. */
const factsOf = (bundle: string): string => bundle.replace(/\.mjs$/, ".facts.json");

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
  // The setting names and the pages come from the sources, which only a bundler can load: bundled in memory.
  const derived = await importBundled<{
    PROCESS_SETTING_NAMES: string[];
    HOST_SETTINGS: { RELAY_DATA_DIR: { default: string } };
    writePages(dir: string): void;
  }>(
    root,
    'export { PROCESS_SETTING_NAMES, HOST_SETTINGS } from "./src/hosts/self-hosted/settings";\n' +
      'export { writePages } from "./scripts/build-pages";',
  );
  const facts: ProcessFacts = {
    settingNames: [...derived.PROCESS_SETTING_NAMES],
    defaultDataDir: derived.HOST_SETTINGS.RELAY_DATA_DIR.default,
  };
  writeFileSync(factsOf(outfile), JSON.stringify(facts));
  // /openapi.json and /docs, served from public/ like the dashboard (as wrangler's [build] does for workerd).
  derived.writePages(join(root, "public"));
  return outfile;
}

/** Bundles `contents` (TypeScript, resolved from `root`) in memory and imports the result. */
async function importBundled<T>(root: string, contents: string): Promise<T> {
  const bundled = await build({
    stdin: { contents, resolveDir: root, loader: "ts" },
    bundle: true,
    format: "esm",
    platform: "node",
    write: false,
    logLevel: "warning",
  });
  const code = bundled.outputFiles[0]!.text;
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as T;
}

/** The Deno binary from the `deno` npm package (not its Node wrapper, so signals reach Deno itself). */
export function denoExecutable(root: string): string {
  const require = createRequire(join(root, "package.json"));
  return (require("deno/install_api.cjs") as { runInstall(): string }).runInstall();
}

/** How a built bundle is run: where its data lives (default RELAY_DATA_DIR's), and which Node runs it. */
export interface RunOptions {
  dataDir?: string | undefined;
  nodePath?: string;
  /** RELAY_SOURCES as the process will get it: Deno may also read the secrets it names, and its file. */
  sources?: string | undefined;
}

/**
 * The command that runs a built bundle: the executable and its arguments. Deno runs with what the relay
 * needs and nothing more: reading and writing its data directory, reading `public/`, the settings'
 * environment variables by name, and the network (AlipayHK, callbacks to callers' hosts, its listener).
 */
export function runtimeCommand(
  runtime: SelfHostedRuntime,
  bundle: string,
  root: string,
  options: RunOptions = {},
): { command: string; args: string[] } {
  if (runtime === "node") return { command: options.nodePath ?? process.execPath, args: ["--enable-source-maps", bundle] };
  const facts = JSON.parse(readFileSync(factsOf(bundle), "utf8")) as ProcessFacts;
  const dataDir = options.dataDir?.trim() || facts.defaultDataDir;
  const sources = declaredSources(options.sources);
  const permissions = [
    "--allow-net",
    `--allow-env=${[...facts.settingNames, ...sources.secrets].join(",")}`,
    `--allow-read=${[dataDir, join(root, "public"), ...sources.files].join(",")}`,
    `--allow-write=${dataDir}`,
  ];
  // No project config or npm resolution: the bundle imports nothing but node: built-ins.
  return { command: denoExecutable(root), args: ["run", "--no-config", "--no-prompt", ...permissions, bundle] };
}

/**
 * What RELAY_SOURCES makes the relay read besides its settings: the file it names (when it names one)
 * and the settings that hold its sources' secrets. Only names are taken here; the relay checks the
 * declaration itself when it starts.
 */
function declaredSources(value: string | undefined): { files: string[]; secrets: string[] } {
  const text = value?.trim() ?? "";
  if (text === "") return { files: [], secrets: [] };
  const inline = text.startsWith("{");
  try {
    const json = JSON.parse(inline ? text : readFileSync(text, "utf8")) as Record<string, { secrets?: unknown }>;
    const secrets = Object.values(json).flatMap((source) => (Array.isArray(source?.secrets) ? source.secrets.filter((s) => typeof s === "string") : []));
    return { files: inline ? [] : [text], secrets: [...new Set(secrets as string[])] };
  } catch {
    return { files: inline ? [] : [text], secrets: [] };
  }
}
