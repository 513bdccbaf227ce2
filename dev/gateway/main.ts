/**
 * CLI: run the AlipayHK stand-in alone. `node dev/gateway/main.ts [--port 8788] [--limit-rps 20] …`
 * Every flag has a GATEWAY_* environment variable twin; flags win. Dev keys come from .dev/keys
 * (made on first use), so a relay configured from the same folder talks to it out of the box.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEV_CLIENT_ID, DEV_KEYS_DIR, ensureDevKeys } from "../keys.ts";
import { gatewaySettingsFromEnv, readNumber, type Env } from "./env-settings.ts";
import { createGateway } from "./server.ts";

const FLAGS = {
  host: "GATEWAY_HOST",
  port: "GATEWAY_PORT",
  "client-id": "GATEWAY_CLIENT_ID",
  "sign-algorithm": "GATEWAY_SIGN_ALGORITHM",
  "limit-rps": "GATEWAY_LIMIT_RPS",
  "latency-ms": "GATEWAY_LATENCY_MS",
  faults: "GATEWAY_FAULTS",
  seed: "GATEWAY_SEED",
  "url-encode-signature": "GATEWAY_URL_ENCODE_SIGNATURE",
  "exceed-status": "GATEWAY_EXCEED_STATUS",
  "keys-dir": "GATEWAY_KEYS_DIR",
  quiet: "GATEWAY_QUIET",
} as const;

const USAGE = `Usage: node dev/gateway/main.ts [flags]   (each flag also reads its env variable)
${Object.entries(FLAGS)
  .map(([flag, env]) => `  --${flag.padEnd(22)} ${env}`)
  .join("\n")}
--exceed-status U answers REQUEST_TRAFFIC_EXCEED_LIMIT with resultStatus U (default F), as other
Alipay-family APIs do. --quiet true: no line per request (for benchmarks).
Faults: comma-separated kind[:rate|:every=N][:ms=N][:processed], kinds unknown, http502, hang, garbage,
bad-signature, reset. Example: --faults unknown:0.1,hang:every=5:ms=3000`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: "string" as const }])),
      help: { type: "boolean" },
    },
  });
  if (values.help) return void console.log(USAGE);
  const env: Env = { ...process.env };
  for (const [flag, name] of Object.entries(FLAGS)) {
    const value = (values as Record<string, unknown>)[flag];
    if (typeof value === "string") env[name] = value;
  }
  const quiet = ["true", "1"].includes(env.GATEWAY_QUIET ?? "");
  const keys = await ensureDevKeys(env.GATEWAY_KEYS_DIR ?? join(process.cwd(), DEV_KEYS_DIR));
  const gateway = await createGateway({
    ...gatewaySettingsFromEnv(env),
    host: env.GATEWAY_HOST || "127.0.0.1",
    port: readNumber(env, "GATEWAY_PORT", { min: 0, max: 65535, integer: true }) ?? 8788,
    clientId: env.GATEWAY_CLIENT_ID || env.ALIPAY_CLIENT_ID || DEV_CLIENT_ID,
    merchantPublicKey: keys.merchantPublicKey,
    alipayPrivateKey: keys.alipayPrivateKey,
    log: quiet ? undefined : (line) => console.log(line),
  });
  // Started by dev/gateway/spawn.ts (an IPC channel): say where it listens, and go when the parent goes,
  // so a killed benchmark leaves no stand-in behind.
  if (process.send) {
    process.send({ ready: true, url: gateway.url, apiUrl: gateway.apiUrl, pid: process.pid });
    process.once("disconnect", () => void gateway.close().then(() => process.exit(0)));
  }
  const s = gateway.settings();
  console.log(`AlipayHK stand-in listening: ${gateway.apiUrl}`);
  console.log(
    `  ${s.signAlgorithm}, limit ${s.limitRps || "none"} req/s, latency ${s.latencyMs} ms, faults ${JSON.stringify(s.faults)}`,
  );
  console.log(
    `  stats: GET ${gateway.url}/_stats   control: POST ${gateway.url}/_control   reset: POST ${gateway.url}/_reset`,
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void gateway.close().then(() => process.exit(0)));
  }
}

main().catch((e: unknown) => {
  console.error(`gateway: ${(e as Error).message}`);
  process.exit(1);
});
