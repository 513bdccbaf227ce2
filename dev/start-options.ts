/**
 * `npm start`'s settings (environment variables only, all optional) and the text it prints once the
 * relay and the stand-in are up. Kept here, typed, so that scripts/start.mjs stays a thin shell.
 */
import { join, relative } from "node:path";
import { gatewaySettingsFromEnv, readNumber, readSignAlgorithm, type Env } from "./gateway/env-settings.ts";
import { PROJECT_ROOT, type LocalRun, type LocalRunOptions, type RelayRuntime } from "./local-run.ts";

/** The runtimes `npm start -- --runtime <name>` accepts; workerd (wrangler dev) is the default. */
export const START_RUNTIMES: readonly RelayRuntime[] = ["workerd", "node", "deno"];

/** The relay's runtime from `--runtime name` or `--runtime=name`; throws naming a bad value. */
export function runtimeFromArgs(argv: readonly string[]): RelayRuntime {
  const i = argv.findIndex((a) => a === "--runtime" || a.startsWith("--runtime="));
  if (i < 0) return "workerd";
  const value = argv[i]!.includes("=") ? argv[i]!.slice("--runtime=".length) : argv[i + 1];
  const runtime = START_RUNTIMES.find((r) => r === value);
  if (!runtime) throw new Error(`--runtime: must be one of ${START_RUNTIMES.join(", ")}, not "${value ?? ""}"`);
  return runtime;
}

/** The environment variables `npm start` reads, with what they do (printed by `npm start -- --help`). */
export const START_ENV = {
  RELAY_PORT: "relay port (default 8787; any free port if taken)",
  GATEWAY_PORT: "stand-in port (default 8788; any free port if taken)",
  ALIPAY_MAX_RPS: "the relay's quota, requests per second (default 20)",
  GATEWAY_LIMIT_RPS: "the stand-in's strict per-second limit (default ALIPAY_MAX_RPS; 0 = none)",
  ALIPAY_SIGN_ALGORITHM: "RSA (SHA1withRSA, default) or RSA2 (SHA256withRSA), both sides",
  GATEWAY_SIGN_ALGORITHM: "the stand-in's algorithm, if it should differ (to see INVALID_SIGNATURE)",
  ALIPAY_CLIENT_ID: "dev clientId (default 211020000000000000099)",
  ALIPAY_MERCHANT_ID: "default merchantId (default 2160400000000099)",
  GATEWAY_LATENCY_MS: "every stand-in answer leaves this many ms after arrival (default 0; 200 ≈ real distance)",
  GATEWAY_FAULTS: "faults, e.g. unknown:0.1,http502:every=5,hang:0.05:ms=3000,garbage:0.02,bad-signature:0.02,reset:0.01",
  GATEWAY_SEED: "seed for fault rates, to replay a run",
  GATEWAY_URL_ENCODE_SIGNATURE: "true: the stand-in URL-encodes its answer signatures",
  GATEWAY_EXCEED_STATUS: "U: the stand-in answers REQUEST_TRAFFIC_EXCEED_LIMIT with resultStatus U (default F), as other Alipay-family APIs do",
  RELAY_SOURCES: "storefront sources, a .json path (default examples/sources.json; empty: none)",
  RELAY_PERSIST_TO: "Durable Object storage folder, or the outbox folder with --runtime node|deno (default .dev/state, .dev/state-<runtime>; delete it to start empty)",
} as const;

/** LocalRunOptions from environment variables; throws naming a bad setting. */
export function startOptionsFromEnv(env: Env, runtime: RelayRuntime = "workerd"): LocalRunOptions {
  const { limitRps: _limit, ...gateway } = gatewaySettingsFromEnv({ ...env, ALIPAY_SIGN_ALGORITHM: undefined });
  const maxRps = readNumber(env, "ALIPAY_MAX_RPS", { min: 1 }) ?? 20;
  return {
    runtime,
    relayPort: readNumber(env, "RELAY_PORT", { min: 1, max: 65535, integer: true }) ?? 8787,
    gatewayPort: readNumber(env, "GATEWAY_PORT", { min: 1, max: 65535, integer: true }) ?? 8788,
    maxRps,
    gatewayLimitRps: readNumber(env, "GATEWAY_LIMIT_RPS", { min: 0 }) ?? maxRps,
    signAlgorithm: readSignAlgorithm(env, "ALIPAY_SIGN_ALGORITHM") ?? "RSA",
    clientId: env.ALIPAY_CLIENT_ID || undefined,
    merchantId: env.ALIPAY_MERCHANT_ID || undefined,
    gateway,
    // Workerd's Durable Object files and a self-hosted outbox are different formats: separate folders.
    persistTo: env.RELAY_PERSIST_TO || join(PROJECT_ROOT, ".dev", runtime === "workerd" ? "state" : `state-${runtime}`),
    // The conventional file, so a later plain `wrangler dev` (npm run dev) finds the same settings.
    // Not the root .dev.vars: the Workers test runner would load that into the tests too.
    devVarsPath: join(PROJECT_ROOT, ".dev", "relay.vars"),
    ...(env.RELAY_SOURCES !== undefined ? { vars: { RELAY_SOURCES: env.RELAY_SOURCES } } : {}),
  };
}

/** What `npm start` prints once both servers answer: where they are and commands to paste. */
export function formatBanner(run: LocalRun, cwd: string): string {
  const example = relative(cwd, join(PROJECT_ROOT, "examples", "notifications.json")) || "examples/notifications.json";
  const auth = `-H 'Authorization: Bearer ${run.apiKey}'`;
  const s = run.gateway.settings();
  const faults = s.faults.length ? s.faults.map((f) => f.kind).join(", ") : "none";
  return [
    "",
    "alipay-notify-relay is running locally",
    run.runtime === "workerd"
      ? `  relay     ${run.relayUrl}   (wrangler dev; Durable Object state in ${relative(cwd, run.persistTo) || "."})`
      : `  relay     ${run.relayUrl}   (${run.runtime}, self-hosted; outbox in ${relative(cwd, run.persistTo) || "."})`,
    `  AlipayHK  ${run.gatewayApiUrl}`,
    `            stand-in: ${s.signAlgorithm}, ${s.limitRps || "no"} req/s limit, ${s.latencyMs} ms latency, faults: ${faults}`,
    `            records:  curl -s '${run.gatewayUrl}/_stats?summary'`,
    `  settings  ${relative(cwd, run.devVarsPath)} (dev keys in .dev/keys, API key in .dev/relay-api-key, admin key in .dev/relay-admin-key)`,
    "",
    "Send the example notifications (answers 202 with a jobId and a Location):",
    `  curl -si -X POST ${run.relayUrl}/v1/notifications ${auth} -H 'Content-Type: application/json' --data @${example}`,
    "",
    "Send them and follow the job:",
    `  job=$(curl -s -X POST ${run.relayUrl}/v1/notifications ${auth} -H 'Content-Type: application/json' --data @${example} | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).jobId')`,
    `  curl -s ${run.relayUrl}/v1/notifications/$job ${auth}`,
    "",
    "Operator controls (admin key): pause, resume, cancel a job; the dashboard has them too:",
    `  curl -s -X POST ${run.relayUrl}/v1/pause -H 'Authorization: Bearer ${run.adminKey}' -H 'Content-Type: application/json' -d '{"reason":"checking a template"}'`,
    `  curl -s -X POST ${run.relayUrl}/v1/resume -H 'Authorization: Bearer ${run.adminKey}'`,
    `  curl -s -X DELETE ${run.relayUrl}/v1/notifications/$job ${auth}`,
    `  dashboard: ${run.relayUrl}/dashboard`,
    "",
    "Storefront sources (examples/sources.json, secrets in .dev/shopify-webhook-secret and .dev/stripe-webhook-secret;",
    "docs/sources.md): send a signed Shopify orders/paid or Stripe checkout.session.completed sample:",
    `  node dev/send-source-event.ts shopify ${run.relayUrl}`,
    `  node dev/send-source-event.ts stripe ${run.relayUrl}`,
    "",
    "Ctrl-C stops both.",
    "",
  ].join("\n");
}
