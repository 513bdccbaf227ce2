/**
 * A complete local run: dev keys, the AlipayHK stand-in (in this process, or with `gatewayProcess` its
 * own) and the relay under `wrangler dev` (or self-hosted on Node or Deno, `runtime`) pointed at it.
 * `npm start` is a thin CLI over this; end-to-end tests and benchmarks use it directly and read the
 * stand-in's records through `gateway`.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeDevVars } from "./dev-vars.ts";
import { createGateway, type Gateway, type GatewaySettings } from "./gateway/server.ts";
import { type GatewayProcess, spawnGateway } from "./gateway/spawn.ts";
import type { SignAlgorithm } from "./gateway/verify.ts";
import { DEV_CLIENT_ID, DEV_KEYS_DIR, DEV_MERCHANT_ID, ensureDevKeys, ensureDevSecrets } from "./keys.ts";
import { pickPort, waitForFreePort } from "./ports.ts";
import { buildSelfHosted, type SelfHostedRuntime } from "../scripts/self-hosted.ts";
import { spawnRelay, type RelayProcess } from "./relay-process.ts";
import { spawnSelfHosted } from "./self-hosted-process.ts";
import { snapshotWorker } from "./snapshot.ts";

/** The project root (this file lives in `<root>/dev/`). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * RELAY_SOURCES of a local run: the example file, read from the project root when self-hosted and
 * bundled into the Worker under wrangler dev (src/sources/bundled.ts).
 */
export const EXAMPLE_SOURCES = "examples/sources.json";

/** Where the relay runs: workerd under wrangler dev (the default), or self-hosted on Node or Deno. */
export type RelayRuntime = "workerd" | SelfHostedRuntime;

/** Options of startLocalRun; everything has a default. */
export interface LocalRunOptions {
  /** Default workerd. Self-hosted runtimes run a bundle built at start (a frozen copy, like `snapshot`). */
  runtime?: RelayRuntime;
  /** Preferred ports; taken if free, otherwise any free port. Default: any free port. */
  relayPort?: number;
  gatewayPort?: number;
  /** ALIPAY_MAX_RPS for the relay (default 20). */
  maxRps?: number;
  /** The stand-in's strict per-second limit (default: maxRps; 0 = unlimited). */
  gatewayLimitRps?: number;
  /** Both sides' sign algorithm (default RSA = SHA1withRSA). */
  signAlgorithm?: SignAlgorithm;
  clientId?: string;
  merchantId?: string;
  /** More stand-in settings: latencyMs, faults, seed, urlEncodeSignature, exceedStatus (signAlgorithm overrides). */
  gateway?: Partial<Omit<GatewaySettings, "limitRps">>;
  /** More Worker settings written to the env file (they override the ones above). */
  vars?: Record<string, string>;
  /** Durable Object storage, or RELAY_DATA_DIR when self-hosted. Default: a fresh temporary folder, deleted by stop(). */
  persistTo?: string;
  /** Where to write the Worker's settings. Default: a temporary file, deleted by stop(). */
  devVarsPath?: string;
  /**
   * Run the relay from a copy of its sources taken now (deleted by stop()), so that edits to the tree
   * during the run do not make wrangler dev rebuild and restart it. For tests and benchmarks; default false.
   */
  snapshot?: boolean;
  /** Dev keys folder (default `<root>/.dev/keys`) and secrets folder (default `<root>/.dev`). */
  keysDir?: string;
  secretsDir?: string;
  /** Receives wrangler's output and the stand-in's log lines, prefixed. Default: kept for errors only. */
  log?: (line: string) => void;
  /** Called when the relay exits without stop()/restartRelay() having asked it to. */
  onRelayExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** With `gatewayProcess`: the stand-in's scheduling priority (see SpawnGatewayOptions.priority). */
  gatewayPriority?: number;
  /** How long wrangler dev may take to answer, ms (default 60 000). */
  readyTimeoutMs?: number;
  /** Aborts a start in progress (the CLI's Ctrl-C during startup): everything started is stopped. */
  signal?: AbortSignal;
}

/** A running local relay and stand-in (`G`: the in-process stand-in, or a handle on its process). */
export interface LocalRun<G extends Gateway | GatewayProcess = Gateway> {
  runtime: RelayRuntime;
  /** Base URL of the relay, e.g. http://127.0.0.1:8787 */
  relayUrl: string;
  /** Base URL of the stand-in (GET /_stats, POST /_control, POST /_reset live here). */
  gatewayUrl: string;
  /** The endpoint URL the relay is configured with (ALIPAY_GATEWAY_URL). */
  gatewayApiUrl: string;
  /** The stand-in: stats(), reset(), configure() (async when it runs as its own process). */
  gateway: G;
  /** The relay's settings, as written to devVarsPath (self-hosted relays get them as environment variables). */
  relayVars: Readonly<Record<string, string>>;
  /** Bearer token accepted by the relay (RELAY_API_KEYS). */
  apiKey: string;
  /** RELAY_WEBHOOK_SECRET. */
  webhookSecret: string;
  /** An operator's bearer token (RELAY_ADMIN_KEYS). */
  adminKey: string;
  /** RELAY_CALLBACK_SECRET: what a callback receiver verifies signatures with. */
  callbackSecret: string;
  /** The secrets the example sources (examples/sources.json) verify with, by source name. */
  sourceSecrets: { shopify: string; stripe: string };
  clientId: string;
  merchantId: string;
  persistTo: string;
  devVarsPath: string;
  /** Stops the relay (its whole process group) and the stand-in; removes temporary folders. */
  stop(): Promise<void>;
  /** Stops and restarts the relay on the same port and storage (SIGKILL imitates a crash). */
  restartRelay(options?: { signal?: NodeJS.Signals }): Promise<void>;
  /** How the relay stopped last (by stop() or restartRelay()) exited; undefined before any stop. */
  lastExit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** The relay's last output lines. */
  relayLogTail(): string[];
  /** The running wrangler dev process (its workerd is a descendant), or the self-hosted relay itself; undefined while stopped. */
  relayPid(): number | undefined;
  /** The relay's DevTools inspector port on 127.0.0.1 (profiling). */
  inspectorPort: number;
}

/**
 * Starts the stand-in and the relay; resolves once both answer. With `gatewayProcess: true` the stand-in
 * runs as its own process (dev/gateway/spawn.ts), stamping arrivals on its own thread, and `gateway` is
 * read asynchronously; otherwise it runs in this process.
 */
export function startLocalRun(options?: LocalRunOptions & { gatewayProcess?: false }): Promise<LocalRun>;
export function startLocalRun(options: LocalRunOptions & { gatewayProcess: true }): Promise<LocalRun<GatewayProcess>>;
export async function startLocalRun(
  options: LocalRunOptions & { gatewayProcess?: boolean } = {},
): Promise<LocalRun<Gateway | GatewayProcess>> {
  const log = options.log ?? (() => {});
  const maxRps = options.maxRps ?? 20;
  const signAlgorithm = options.signAlgorithm ?? "RSA";
  const clientId = options.clientId ?? DEV_CLIENT_ID;
  const merchantId = options.merchantId ?? DEV_MERCHANT_ID;
  const keys = await ensureDevKeys(options.keysDir ?? join(PROJECT_ROOT, DEV_KEYS_DIR));
  const secrets = await ensureDevSecrets(options.secretsDir ?? join(PROJECT_ROOT, ".dev"));

  // A temporary folder only for what the caller did not place; stop() deletes it.
  const runtime = options.runtime ?? "workerd";
  const needsTemp = options.snapshot || runtime !== "workerd" || !(options.persistTo && options.devVarsPath);
  const temp = needsTemp ? await mkdtemp(join(tmpdir(), "alipay-relay-run-")) : undefined;
  const workerRoot =
    options.snapshot && runtime === "workerd"
      ? await snapshotWorker(PROJECT_ROOT, join(temp!, "worker"))
      : PROJECT_ROOT;
  const persistTo = options.persistTo ?? join(temp!, "state");
  const devVarsPath = options.devVarsPath ?? join(temp!, "dev.vars");
  await mkdir(persistTo, { recursive: true });

  // options.gateway may override the sign algorithm, to test a relay facing a mismatched gateway.
  const gatewaySettings = { limitRps: options.gatewayLimitRps ?? maxRps, signAlgorithm, ...options.gateway };
  const gatewayPort = options.gatewayPort ? await pickPort(options.gatewayPort) : 0;
  const gateway: Gateway | GatewayProcess = options.gatewayProcess
    ? await spawnGateway({
        settings: gatewaySettings,
        port: gatewayPort,
        clientId,
        keysDir: options.keysDir ?? join(PROJECT_ROOT, DEV_KEYS_DIR),
        ...(options.gatewayPriority !== undefined ? { priority: options.gatewayPriority } : {}),
        ...(options.log ? { log: (line: string) => log(`gateway │ ${line}`) } : {}),
      })
    : await createGateway({
        ...gatewaySettings,
        port: gatewayPort,
        clientId,
        merchantPublicKey: keys.merchantPublicKey,
        alipayPrivateKey: keys.alipayPrivateKey,
        log: (line) => log(`gateway │ ${line}`),
      });
  const relayPort = await pickPort(options.relayPort);
  const inspectorPort = await pickPort();
  const relayUrl = `http://127.0.0.1:${relayPort}`;

  const vars: Record<string, string> = {
    ALIPAY_GATEWAY_URL: gateway.apiUrl,
    ALIPAY_CLIENT_ID: clientId,
    ALIPAY_MERCHANT_ID: merchantId,
    ALIPAY_PRIVATE_KEY: keys.merchantPrivateKey,
    ALIPAY_PUBLIC_KEY: keys.alipayPublicKey,
    ALIPAY_SIGN_ALGORITHM: signAlgorithm,
    ALIPAY_MAX_RPS: String(maxRps),
    RELAY_API_KEYS: secrets.apiKey,
    RELAY_WEBHOOK_SECRET: secrets.webhookSecret,
    RELAY_ADMIN_KEYS: secrets.adminKey,
    RELAY_CALLBACK_SECRET: secrets.callbackSecret,
    // A local run's callback receivers are on this machine, over http: allowed here, never by default.
    RELAY_CALLBACK_ALLOW_LOCAL: "true",
    // The example storefront sources and their secrets: POST /v1/sources/shopify and /v1/sources/stripe.
    RELAY_SOURCES: EXAMPLE_SOURCES,
    SHOPIFY_WEBHOOK_SECRET: secrets.shopifyWebhookSecret,
    STRIPE_WEBHOOK_SECRET: secrets.stripeWebhookSecret,
    ...options.vars,
  };
  await writeDevVars(devVarsPath, vars);
  const bundle =
    runtime === "workerd" ? undefined : await buildSelfHosted(runtime, PROJECT_ROOT, join(temp!, `${runtime}.mjs`));

  let relay: RelayProcess | undefined;
  let lastTail: () => string[] = () => [];
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const startRelay = async (): Promise<void> => {
    const relayLog = (l: string) => log(`relay   │ ${l}`);
    const r = bundle
      ? spawnSelfHosted({
          runtime: runtime as SelfHostedRuntime,
          root: PROJECT_ROOT,
          bundle,
          port: relayPort,
          dataDir: persistTo,
          vars,
          log: relayLog,
        })
      : spawnRelay({
          root: workerRoot,
          port: relayPort,
          inspectorPort,
          persistTo,
          envFile: devVarsPath,
          log: relayLog,
        });
    relay = r;
    lastTail = r.tail;
    let ready = false;
    // Only a relay that was up counts as "exited unexpectedly"; a failed start is the caller's error.
    void r.exited.then(({ code, signal }) => {
      if (ready && relay === r) options.onRelayExit?.(code, signal);
    });
    await r.waitReady(relayUrl, options.readyTimeoutMs ?? 60_000, options.signal);
    ready = true;
  };
  const stopRelay = async (signal?: NodeJS.Signals): Promise<void> => {
    const r = relay;
    relay = undefined; // from here its exit is expected
    await r?.stop(signal);
    if (r) exit = await r.exited;
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await stopRelay();
      await gateway.close();
      if (temp) await rm(temp, { recursive: true, force: true });
    })());
  try {
    await startRelay();
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    runtime,
    relayUrl,
    gatewayUrl: gateway.url,
    gatewayApiUrl: gateway.apiUrl,
    gateway,
    relayVars: vars,
    apiKey: secrets.apiKey,
    webhookSecret: secrets.webhookSecret,
    adminKey: secrets.adminKey,
    callbackSecret: secrets.callbackSecret,
    sourceSecrets: { shopify: secrets.shopifyWebhookSecret, stripe: secrets.stripeWebhookSecret },
    clientId,
    merchantId,
    persistTo,
    devVarsPath,
    stop,
    async restartRelay(restart = {}) {
      await stopRelay(restart.signal);
      // workerd may hold the listening socket a moment after its group is gone.
      if (!(await waitForFreePort(relayPort, 10_000)))
        throw new Error(`port ${relayPort} did not come free after stopping the relay`);
      await startRelay();
    },
    lastExit: () => exit,
    relayLogTail: () => lastTail(),
    relayPid: () => relay?.pid,
    inspectorPort,
  };
}
