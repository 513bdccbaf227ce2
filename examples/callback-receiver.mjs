// A completion-callback receiver for trying `callbackUrl` locally: it verifies each callback with
// `verifyCallback` from the typed client (alipay-notify-relay/client) and prints the job it carries.
//   KEY=$(cat .dev/relay-api-key) node examples/callback-receiver.mjs    # listens on 127.0.0.1:9999
// The secrets are the caller's own (GET /v1/callback-secrets, fetched here with KEY), or set
// CALLBACK_SECRETS=whsec_…[,whsec_…] to give them yourself. RELAY (default http://127.0.0.1:8787), PORT (9999).
// FAIL_FIRST=2 answers 500 to the first two tries, to watch the relay retry (backoff from ~5 s).
import { createServer } from "node:http";
import { CallbackVerificationError, RelayClient, verifyCallback } from "alipay-notify-relay/client";

const secrets = process.env.CALLBACK_SECRETS
  ? process.env.CALLBACK_SECRETS.split(",")
  : (await new RelayClient({ baseUrl: process.env.RELAY ?? "http://127.0.0.1:8787", apiKey: process.env.KEY ?? "" }).callbackSecrets()).secrets;
if (secrets.length === 0) throw new Error("the relay has no RELAY_CALLBACK_SECRET: callbacks are not enabled");
let failFirst = Number(process.env.FAIL_FIRST ?? 0);
// Tries repeat their webhook-id: a receiver handles each id once.
const handled = new Set();

createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", async () => {
    const id = String(req.headers["webhook-id"] ?? "");
    try {
      // The exact bytes received, before any JSON parsing: that is what was signed.
      const job = await verifyCallback(req.headers, Buffer.concat(chunks), secrets);
      if (failFirst > 0) {
        failFirst--;
        console.log(`${id} verified, answering 500 on purpose`);
        return res.writeHead(500).end();
      }
      if (!handled.has(id)) {
        handled.add(id);
        console.log(`${id} verified ${job.jobId} ${job.status} succeeded=${job.succeeded} failed=${job.failed} cancelled=${job.cancelled} expired=${job.expired} deduplicated=${job.deduplicated}`);
      }
      res.writeHead(204).end();
    } catch (error) {
      if (!(error instanceof CallbackVerificationError)) throw error;
      console.log(`${id} refused: ${error.reason}`);
      res.writeHead(error.reason === "malformed-body" ? 400 : 401).end();
    }
  });
}).listen(Number(process.env.PORT ?? 9999), "127.0.0.1", () => console.log(`callback receiver on http://127.0.0.1:${process.env.PORT ?? 9999}/relay-done`));
