/**
 * A frozen copy of the Worker's sources for a local run. `wrangler dev` rebuilds and restarts the
 * Worker (Durable Objects included) whenever a source file changes, and it has no switch to stop
 * watching; a test or benchmark in a tree others are editing wants the code it started with.
 */
import { cp, mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";

/**
 * What wrangler dev reads to build and run the Worker: the static assets, the script its [build] runs to
 * write /openapi.json and /docs, and the example sources the bundle carries; node_modules is linked, not
 * copied.
 */
const WORKER_FILES = ["wrangler.toml", "package.json", "tsconfig.json", "src", "public", "scripts", "examples"];

/** Copies the Worker at `root` into `dir` (created) and returns `dir`, ready to be a wrangler dev root. */
export async function snapshotWorker(root: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const name of WORKER_FILES) {
    await cp(join(root, name), join(dir, name), { recursive: true, force: false, errorOnExist: false });
  }
  await symlink(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}
