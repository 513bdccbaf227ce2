// `npm start`: the relay under wrangler dev plus the local AlipayHK stand-in, with dev keys, zero setup.
// A thin shell over dev/local-run.ts (settings: dev/start-options.ts; `npm start -- --help` lists them).
// Dev only: nothing here is part of the deployed Worker.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// The dev modules are TypeScript run by Node's type stripping (Node ≥ 22.18). npm scripts put the
// project's own Node 24 first on PATH; if this was started with an older system Node, hand over to it.
if (!process.features.typescript) {
  const projectNode = fileURLToPath(new URL("../node_modules/.bin/node", import.meta.url));
  if (!existsSync(projectNode)) {
    console.error(
      `npm start needs Node ≥ 22.18 (this is ${process.version}); run npm install first, which brings one.`,
    );
    process.exit(1);
  }
  const { status, signal } = spawnSync(projectNode, process.argv.slice(1), { stdio: "inherit" });
  process.exit(status ?? (signal ? 1 : 0));
}

const { startLocalRun } = await import("../dev/local-run.ts");
const { START_ENV, START_RUNTIMES, formatBanner, runtimeFromArgs, startOptionsFromEnv } = await import("../dev/start-options.ts");

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log("npm start — run the relay locally against the AlipayHK stand-in.");
  console.log(`  --runtime ${START_RUNTIMES.join("|")}   where the relay runs (default workerd, under wrangler dev)`);
  console.log("Environment variables:");
  for (const [name, what] of Object.entries(START_ENV)) console.log(`  ${name.padEnd(30)} ${what}`);
  process.exit(0);
}

let options;
try {
  options = startOptionsFromEnv(process.env, runtimeFromArgs(process.argv.slice(2)));
} catch (e) {
  console.error(`npm start: ${e.message}`);
  process.exit(1);
}

const aborter = new AbortController();
let stopping = false;
const starting = startLocalRun({
  ...options,
  signal: aborter.signal,
  log: (line) => console.log(line),
  onRelayExit: (code, signal) => {
    console.error(`npm start: the relay (${options.runtime === "workerd" ? "wrangler dev" : options.runtime}) exited unexpectedly (${signal ?? `code ${code}`}); stopping the stand-in.`);
    void shutdown(1);
  },
});

/** Stops both servers once (waiting out a start in progress), then exits with `code`. */
async function shutdown(code) {
  // A second Ctrl-C exits at once; relay-process.ts kills the wrangler process group on exit.
  if (stopping) process.exit(code || 1);
  stopping = true;
  aborter.abort();
  try {
    const run = await starting.catch(() => undefined);
    await run?.stop();
  } finally {
    process.exit(code);
  }
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    console.log(`\n${signal}: stopping the relay and the stand-in…`);
    void shutdown(0);
  });
}

try {
  const run = await starting;
  if (!stopping) console.log(formatBanner(run, process.env.INIT_CWD ?? process.cwd()));
} catch (e) {
  // When stopping, shutdown() owns the exit; otherwise the start failed on its own.
  if (!stopping) {
    console.error(`npm start: could not start: ${e.message}`);
    process.exit(1);
  }
}
