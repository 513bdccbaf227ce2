// A storefront backend's submit with the typed client (alipay-notify-relay/client): one Idempotency-Key
// for the logical call (reused on its retries), retries on network errors, 429 and 503 honouring
// Retry-After, then a wait for the job with Prefer: wait. Run from the repository root:
//   KEY=$(cat .dev/relay-api-key) node examples/submit.mjs [examples/notifications.json]
// RELAY (default http://127.0.0.1:8787), IDEMPOTENCY_KEY (default: a fresh one), CALLBACK_URL (adds `callbackUrl`).
import { readFileSync } from "node:fs";
import { RelayClient, RelayProblemError } from "alipay-notify-relay/client";

const relay = new RelayClient({ baseUrl: process.env.RELAY ?? "http://127.0.0.1:8787", apiKey: process.env.KEY ?? "" });
const body = JSON.parse(readFileSync(process.argv[2] ?? "examples/notifications.json", "utf8"));
if (process.env.CALLBACK_URL) body.callbackUrl = process.env.CALLBACK_URL;

try {
  const submitted = await relay.submit(body, process.env.IDEMPOTENCY_KEY ? { idempotencyKey: process.env.IDEMPOTENCY_KEY } : {});
  console.log(`${submitted.jobId} ${submitted.kind}${submitted.replayed ? " (replayed)" : ""}, Idempotency-Key ${submitted.idempotencyKey}`);
  const job = await relay.waitFor(submitted.jobId, { timeout: 60_000 });
  console.log(`${job.jobId} ${job.status}: succeeded=${job.succeeded} failed=${job.failed} deduplicated=${job.deduplicated}`);
  for (const failure of job.failures) console.log(`  ${failure.openId}: ${failure.resultCode} ${failure.resultMsg}`);
} catch (error) {
  if (!(error instanceof RelayProblemError)) throw error;
  // A refusal: the stable `code`, and for invalid-request every problem with its index and field.
  console.error(`refused: ${error.status} ${error.code}: ${error.detail ?? error.title}`);
  for (const e of error.errors) console.error(`  notifications[${e.index ?? "-"}].${e.field}: ${e.problem}`);
  process.exitCode = 1;
}
