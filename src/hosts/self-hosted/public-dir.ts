/**
 * Lists the static folder once at start, for `staticAssets` (static.ts). Through node:fs, which Node
 * and Deno both provide (Deno reads only what `--allow-read` names: the folder is one of them).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { StaticFolder } from "./static";

/** The folder's files and its `_headers`; undefined when there is no such folder. */
export function loadPublicDir(dir: string): StaticFolder | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  const files = (
    readdirSync(dir, { recursive: true, withFileTypes: true }) as {
      name: string;
      parentPath: string;
      isFile(): boolean;
    }[]
  )
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"));
  const headersFile = join(dir, "_headers");
  return {
    files,
    headersText: existsSync(headersFile) ? readFileSync(headersFile, "utf8") : undefined,
    read: async (file) => new Uint8Array(await readFile(join(dir, file))),
  };
}
