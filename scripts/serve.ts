// `npm run serve:node` / `npm run serve:deno`: the relay on Node or Deno, configured by the process
// environment (the Worker's setting names plus PORT, HOST, RELAY_DATA_DIR; see docs/configuration.md).
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSelfHosted, runtimeCommand, type SelfHostedRuntime } from "./self-hosted.ts";

const runtime = process.argv[2];
if (runtime !== "node" && runtime !== "deno") {
  console.error("usage: node scripts/serve.ts node|deno");
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = await buildSelfHosted(runtime as SelfHostedRuntime, root);
const { command, args } = runtimeCommand(runtime as SelfHostedRuntime, bundle, root, { dataDir: process.env.RELAY_DATA_DIR, sources: process.env.RELAY_SOURCES });
// The relay is a child with the same terminal; signals sent to this script are passed on, and its exit is ours.
const child = spawn(command, args, { stdio: "inherit", cwd: root });
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
