// A completion-callback receiver for trying `callbackUrl` locally: it verifies the Standard Webhooks
// signature with RELAY_CALLBACK_SECRET (node:crypto only) and prints each job document it receives.
//   CALLBACK_SECRET=$(cat .dev/callback-secret) node examples/callback-receiver.mjs   # listens on 127.0.0.1:9999
// FAIL_FIRST=2 answers 500 to the first two tries, to watch the relay retry (backoff from ~5 s).
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const secret = process.env.CALLBACK_SECRET ?? "";
if (!secret.startsWith("whsec_")) throw new Error("set CALLBACK_SECRET to the relay's RELAY_CALLBACK_SECRET (whsec_…)");
const key = Buffer.from(secret.slice("whsec_".length), "base64");
let failFirst = Number(process.env.FAIL_FIRST ?? 0);

createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const id = String(req.headers["webhook-id"] ?? "");
    const timestamp = String(req.headers["webhook-timestamp"] ?? "");
    // The signed content is `${webhook-id}.${webhook-timestamp}.${body}`; the header lists `v1,<base64>` entries.
    const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
    const verified = String(req.headers["webhook-signature"] ?? "")
      .split(" ")
      .filter((entry) => entry.startsWith("v1,"))
      .some((entry) => {
        const given = Buffer.from(entry.slice(3), "base64");
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
    const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
    const job = verified ? JSON.parse(body.toString("utf8")) : null;
    console.log(`${id} verified=${verified} fresh=${fresh}`, job ? `${job.jobId} ${job.status} succeeded=${job.succeeded} failed=${job.failed} cancelled=${job.cancelled} expired=${job.expired} deduplicated=${job.deduplicated}` : "");
    if (failFirst > 0 && verified) {
      failFirst--;
      res.writeHead(500).end();
      return;
    }
    res.writeHead(verified && fresh ? 204 : 401).end();
  });
}).listen(9999, "127.0.0.1", () => console.log("callback receiver on http://127.0.0.1:9999/relay-done"));
