// `npm run bench`: measures the relay on real processes (wrangler dev + the local stand-in) and writes
// bench/results.json. A thin shell over bench/main.ts (flags: `npm run bench -- --help`).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// bench/*.ts run with Node's type stripping (Node ≥ 22.18); with an older Node, hand over to the project's.
if (!process.features.typescript) {
  const projectNode = fileURLToPath(new URL("../node_modules/.bin/node", import.meta.url));
  if (!existsSync(projectNode)) {
    console.error(`npm run bench needs Node ≥ 22.18 (this is ${process.version}); run npm install first.`);
    process.exit(1);
  }
  const { status, signal } = spawnSync(projectNode, process.argv.slice(1), { stdio: "inherit" });
  process.exit(status ?? (signal ? 1 : 0));
}

await import("./main.ts");
