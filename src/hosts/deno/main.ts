/**
 * The relay on Deno (`Deno.serve`): `npm run serve:deno`. Settings come from the process environment,
 * read by name (Deno may read only those, see scripts/self-hosted.ts); everything but HTTP and signals
 * is shared with Node (src/hosts/self-hosted).
 */
import { callbackFetch } from "../self-hosted/callback-fetch";
import { ensurePrivateDir, openPrivateDatabase } from "../self-hosted/data-dir";
import { PUBLIC_DIR, shutdownOnSignals } from "../self-hosted/process";
import { loadPublicDir } from "../self-hosted/public-dir";
import { startRelay } from "../self-hosted/relay";
import { PROCESS_SETTING_NAMES } from "../self-hosted/settings";
import { sourceSecretNames } from "../../sources/parse";
import { staticAssets } from "../self-hosted/static";
import type { DenoApi } from "./deno-api";

declare const Deno: DenoApi;

/** Writes all of `text` to stdout (a pipe may take it in parts). */
function writeStdout(text: string): void {
  let bytes = new TextEncoder().encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
}

const folder = loadPublicDir(PUBLIC_DIR);
// The settings by name, and the secrets the storefront sources name (RELAY_SOURCES).
const names = [...PROCESS_SETTING_NAMES, ...sourceSecretNames(Deno.env.get("RELAY_SOURCES"))];
const started = await startRelay(
  {
    vars: Object.fromEntries(names.map((name) => [name, Deno.env.get(name)])),
    pid: Deno.pid,
    ensureDir: ensurePrivateDir,
    openDatabase: openPrivateDatabase,
    fetch: globalThis.fetch,
    callbackFetch: (destinations) => callbackFetch({ destinations }),
    logOutput: { write: writeStdout },
  },
  folder ? staticAssets(folder) : undefined,
);
if (!started.ok) {
  console.error(`relay: ${started.message}`);
  Deno.exit(1);
}
const { relay } = started;
const { host, port } = relay.settings;
const server = Deno.serve({
  hostname: host,
  port,
  handler: relay.fetch,
  onListen: () =>
    console.log(
      `relay (Deno ${Deno.version.deno}) listening on http://${host}:${port}, outbox in ${relay.settings.dataDir}`,
    ),
});

shutdownOnSignals(relay, {
  onSignal: (signal, listener) => Deno.addSignalListener(signal, listener),
  // Stops accepting connections; requests being answered finish first.
  closeListener: () => server.shutdown(),
  exit: (code) => Deno.exit(code),
});
