/**
 * `RELAY_SOURCES` may name a JSON file instead of holding the JSON. Where the runtime has a file system
 * (the self-hosted relay on Node or Deno) the file is read from it, relative to the working directory,
 * when the configuration is loaded (at start). A Worker has no disk to read its configuration from:
 * it uses the copy of the file bundled at build time (`BUNDLED_SOURCE_FILES`, src/sources/bundled.ts).
 */
import { BUNDLED_SOURCE_FILES } from "./bundled";
import type { Parsed } from "./paths";

/** A value of RELAY_SOURCES that names a file: a relative or absolute path ending in `.json`. */
export const SOURCES_FILE = /^[^\s{[][^\0]*\.json$/;

interface NodeFs {
  readFileSync(path: string, encoding: "utf8"): string;
}

/**
 * The runtime's `node:fs`, where there is one (Node, Deno; workerd's has no project files). Looked up
 * through `process.getBuiltinModule` so that the Worker bundle imports no Node module for it.
 */
function fileSystem(): NodeFs | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return process?.getBuiltinModule?.("node:fs") as NodeFs | undefined;
  } catch {
    return undefined;
  }
}

/** The text of the declaration file at `path`: from the file system, else the copy bundled at build time. */
export function readSourcesFile(path: string): Parsed<string> {
  const bundled = BUNDLED_SOURCE_FILES[path.replace(/^\.\//, "")];
  const fs = fileSystem();
  let problem = "cannot be read: this runtime has no file system";
  if (fs) {
    try {
      return { ok: true, value: fs.readFileSync(path, "utf8") };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      problem = `cannot be read (${typeof code === "string" ? code : "error"})`;
    }
  }
  if (bundled !== undefined) return { ok: true, value: JSON.stringify(bundled) };
  const carried = Object.keys(BUNDLED_SOURCE_FILES).join(", ") || "none";
  return { ok: false, problem: `names the file ${path}, which ${problem} and is not bundled (bundled: ${carried})` };
}
