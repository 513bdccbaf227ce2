/**
 * The relay on Node (≥ 22.5, for node:sqlite): `npm run serve:node`. Settings come from the process
 * environment; everything but HTTP and signals is shared with Deno (src/hosts/self-hosted).
 */
import { serve } from "@hono/node-server";
import { callbackFetch } from "../self-hosted/callback-fetch";
import { gatewayFetch } from "../self-hosted/http-fetch";
import { ensurePrivateDir, openPrivateDatabase } from "../self-hosted/data-dir";
import { PUBLIC_DIR, shutdownOnSignals } from "../self-hosted/process";
import { loadPublicDir } from "../self-hosted/public-dir";
import { startRelay } from "../self-hosted/relay";
import { staticAssets } from "../self-hosted/static";

const folder = loadPublicDir(PUBLIC_DIR);
const started = await startRelay(
  {
    vars: process.env,
    pid: process.pid,
    ensureDir: ensurePrivateDir,
    openDatabase: openPrivateDatabase,
    fetch: gatewayFetch(),
    callbackFetch: (destinations) => callbackFetch({ destinations }),
    logOutput: process.stdout,
  },
  folder ? staticAssets(folder) : undefined,
);
if (!started.ok) {
  console.error(`relay: ${started.message}`);
  process.exit(1);
}
const { relay } = started;
const { host, port } = relay.settings;
const server = serve({ fetch: relay.fetch, hostname: host, port }, () =>
  console.log(
    `relay (Node ${process.version}) listening on http://${host}:${port}, outbox in ${relay.settings.dataDir}`,
  ),
);
server.on("error", (error) => {
  console.error(`relay: cannot listen on ${host}:${port}: ${error.message}`);
  relay.close();
  process.exit(1);
});

shutdownOnSignals(relay, {
  onSignal: (signal, listener) => process.on(signal, listener),
  closeListener: () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Idle keep-alive connections would hold close() open; requests being answered still finish.
      if ("closeIdleConnections" in server) server.closeIdleConnections();
    }),
  exit: (code) => process.exit(code),
});
