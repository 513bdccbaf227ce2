/**
 * The relay on Deno (`Deno.serve`): `npm run serve:deno`. Settings come from the process environment;
 * everything but files, HTTP and signals is shared with Node (src/hosts/self-hosted).
 */
import { DatabaseSync } from "node:sqlite";
import { serveStatic } from "hono/deno";
import { PUBLIC_DIR, shutdownOnSignals } from "../self-hosted/process";
import { startRelay } from "../self-hosted/relay";
import type { DenoApi } from "./deno-api";

declare const Deno: DenoApi;

const hasPublicDir = (() => {
  try {
    return Deno.statSync(PUBLIC_DIR).isDirectory;
  } catch {
    return false;
  }
})();
const started = await startRelay(
  {
    vars: Deno.env.toObject(),
    pid: Deno.pid,
    ensureDir: (path) => Deno.mkdirSync(path, { recursive: true }),
    openDatabase: (path) => new DatabaseSync(path),
    fetch: globalThis.fetch,
  },
  hasPublicDir ? serveStatic({ root: PUBLIC_DIR }) : undefined,
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
