/**
 * A local stand-in for AlipayHK's delegateSendNotification endpoint (dev and tests only; never bundled
 * into the Worker). Plain node:http + node:crypto so it shares no code with the relay it checks.
 *
 * Per request: count the arrival against the sliding-second limit (refuse above it without processing),
 * maybe inject a fault, otherwise verify and check it (process.ts), then answer signed with "Alipay's"
 * key after the configured latency. Control endpoints (loopback callers only): control.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { KeyObject } from "node:crypto";
import { buildAnswer, type Echo, type ResultCode } from "./answer.ts";
import { createControl, isLoopback } from "./control.ts";
import { checkFaultRules, createFaultPicker, seededRandom, type FaultPicker, type FaultRule } from "./faults.ts";
import { createLimiter } from "./limiter.ts";
import { processRequest, type Verdict } from "./process.ts";
import { FUNCTION_NAME } from "./rules.ts";
import { createStatsRecorder, type GatewayCounts, type GatewayStats } from "./stats.ts";
import type { GatewaySettings } from "./settings.ts";
import { toPrivateKey, toPublicKey, type SignAlgorithm } from "./verify.ts";

export type { GatewaySettings } from "./settings.ts";

/** AlipayHK's path for this API, by its `/api/<function with dots as slashes>.htm` convention. */
export const API_PATH = "/api/alipay/intl/user/inform/delegateSendNotification.htm";

/** Options of createGateway. */
export interface GatewayOptions extends Partial<GatewaySettings> {
  /** Listen address, default 127.0.0.1; port default 0 (any free port). */
  host?: string;
  port?: number;
  /** The only clientId accepted; others get UNKNOWN_CLIENT. */
  clientId: string;
  /** Verifies requests (PEM or KeyObject; a private key PEM also works). */
  merchantPublicKey: string | KeyObject;
  /** Signs answers, standing in for Alipay's key. */
  alipayPrivateKey: string | KeyObject;
  /** One line per request and notable event; default silent. */
  log?: (line: string) => void;
  /** Clock for arrival times, epoch ms. */
  now?: () => number;
}

/** A running stand-in. */
export interface Gateway {
  /** Base URL, e.g. http://127.0.0.1:8788 */
  url: string;
  /** The full endpoint URL, what ALIPAY_GATEWAY_URL should be. */
  apiUrl: string;
  port: number;
  /** A snapshot of the records; `detail` adds the per-delivery and per-arrival lists. */
  stats(detail?: boolean): GatewayStats;
  /** Requests, answers by result and deliveries so far, in constant time (for polling under load). */
  counts(): GatewayCounts;
  /** Clears records, the reqMsgId memory, the limiter window and fault counters. */
  reset(): void;
  /** Changes settings; omitted ones keep their value. Throws on invalid values. */
  configure(patch: Partial<GatewaySettings>): GatewaySettings;
  settings(): GatewaySettings;
  /** Stops listening and drops every open connection (hung ones included). */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

/** Starts a stand-in gateway and resolves once it listens. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const merchantPublicKey = toPublicKey(options.merchantPublicKey);
  const alipayPrivateKey = toPrivateKey(options.alipayPrivateKey);
  const log = options.log ?? (() => {});
  const now = options.now ?? (() => performance.timeOrigin + performance.now());
  let settings: GatewaySettings = {
    limitRps: 0,
    latencyMs: 0,
    faults: [],
    signAlgorithm: "RSA",
    urlEncodeSignature: false,
    seed: Math.floor(Math.random() * 2 ** 32),
    exceedStatus: "F",
  };
  const stats = createStatsRecorder();
  const limiter = createLimiter(0);
  let picker: FaultPicker;
  const timers = new Set<NodeJS.Timeout>();
  const loggedPaths = new Set<string>();

  function configure(patch: Partial<GatewaySettings>): GatewaySettings {
    const next = { ...settings, ...pickSettings(patch) };
    if (!(Number.isFinite(next.limitRps) && next.limitRps >= 0)) throw new Error("limitRps must be a number ≥ 0");
    if (!(Number.isFinite(next.latencyMs) && next.latencyMs >= 0)) throw new Error("latencyMs must be a number ≥ 0");
    if (next.signAlgorithm !== "RSA" && next.signAlgorithm !== "RSA2")
      throw new Error('signAlgorithm must be "RSA" or "RSA2"');
    if (!Number.isInteger(next.seed)) throw new Error("seed must be an integer");
    if (next.exceedStatus !== "F" && next.exceedStatus !== "U") throw new Error('exceedStatus must be "F" or "U"');
    next.faults = checkFaultRules(next.faults);
    next.urlEncodeSignature = Boolean(next.urlEncodeSignature);
    settings = next;
    limiter.setLimit(settings.limitRps);
    // Restart the fault sequence so "every Nth from now" and a replayed seed mean what they say.
    picker = createFaultPicker(settings.faults, seededRandom(settings.seed));
    return settings;
  }
  configure(pickSettings(options, false));

  /** Runs `send` once `at + delayMs` (ms, from arrival) is reached, unless the gateway closed meanwhile. */
  function later(at: number, delayMs: number, send: () => void): void {
    const wait = Math.max(0, at + delayMs - now());
    const t = setTimeout(() => {
      timers.delete(t);
      send();
    }, wait);
    timers.add(t);
  }

  async function onApiRequest(req: IncomingMessage, res: ServerResponse, at: number, path: string): Promise<void> {
    const admitted = limiter.admit(at);
    stats.arrival(at, path, admitted);
    if (path !== API_PATH && !loggedPaths.has(path)) {
      loggedPaths.add(path);
      log(`note: request to ${path}, not ${API_PATH} (answered anyway)`);
    }
    const text = await readBody(req);
    if (text === undefined) return void reply(res, 413, "text/plain", "body too large");
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const echo = echoOf(parsed, options.clientId);
    // Every reqMsgId is remembered, even on refused attempts: the relay must never reuse one.
    const repeated = echo.reqMsgId !== "" && stats.seenBefore(echo.reqMsgId);
    if (repeated) log(`repeated reqMsgId ${echo.reqMsgId}`);
    let delivered = 0;

    const answer = (code: ResultCode, message: string, corrupt = false, delayMs = settings.latencyMs): void => {
      const signing = {
        key: alipayPrivateKey,
        algorithm: settings.signAlgorithm,
        urlEncode: settings.urlEncodeSignature,
        corrupt,
      };
      if (code !== "SUCCESS" && !corrupt)
        stats.rejection({ at, resultCode: code, message, reqMsgId: echo.reqMsgId || undefined });
      later(at, delayMs, () => {
        stats.answered(corrupt ? "UNVERIFIABLE" : code);
        const status = code === "REQUEST_TRAFFIC_EXCEED_LIMIT" ? settings.exceedStatus : undefined;
        reply(res, 200, "application/json; charset=UTF-8", buildAnswer(echo, code, message, signing, now(), status));
      });
      const what = code === "SUCCESS" ? ` (${delivered} notifications)` : `: ${message}`;
      log(`${echo.reqMsgId || "-"} → ${code}${what}${corrupt ? " [answer signature corrupted]" : ""}`);
    };

    if (!admitted)
      return answer("REQUEST_TRAFFIC_EXCEED_LIMIT", `more than ${settings.limitRps} requests in one second`);
    const fault = picker.pick();
    if (fault) stats.fault(fault.kind);
    const processedNow = !fault || fault.processed === true || (fault.kind === "hang" && fault.delayMs !== undefined);
    const verdict: Verdict = processedNow
      ? processRequest({
          clientId: options.clientId,
          merchantPublicKey,
          signAlgorithm: settings.signAlgorithm,
          contentType: req.headers["content-type"],
          text,
          parsed,
          repeated,
        })
      : { code: "SUCCESS", message: "success" }; // unprocessed: what a faulty answer pretends, if it says anything
    if (processedNow) {
      if (verdict.badSignature) stats.signatureFailure();
      delivered = verdict.notifications?.length ?? 0;
      for (const n of verdict.notifications ?? []) {
        stats.delivered({
          openId: n.openId,
          templateCode: n.templateCode,
          templateValue: n.templateValue,
          merchantId: verdict.merchantId!,
          reqMsgId: echo.reqMsgId,
          at,
        });
      }
    }
    if (!fault) return answer(verdict.code, verdict.message);
    log(`${echo.reqMsgId || "-"} fault ${fault.kind}${processedNow ? " (after processing)" : ""}`);
    switch (fault.kind) {
      case "unknown":
        return answer("UNKNOWN_EXCEPTION", "unknown exception");
      case "bad-signature":
        return answer(verdict.code, verdict.message, true);
      case "hang":
        if (fault.delayMs !== undefined) return answer(verdict.code, verdict.message, false, fault.delayMs);
        stats.answered("NO_ANSWER"); // the socket stays open until the client gives up or close()
        return;
      case "http502":
        return later(at, settings.latencyMs, () => {
          stats.answered("HTTP_502");
          reply(res, 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>");
        });
      case "garbage":
        return later(at, settings.latencyMs, () => {
          stats.answered("GARBAGE");
          // A cut-off answer: starts like the real thing, is not JSON.
          reply(res, 200, "application/json; charset=UTF-8", '{"response":{"head":{"version":"2.0.0","function":');
        });
      case "reset":
        return later(at, settings.latencyMs, () => {
          stats.answered("RESET");
          req.socket.destroy();
        });
    }
  }

  function reset(): void {
    stats.reset();
    limiter.reset();
    picker = createFaultPicker(settings.faults, seededRandom(settings.seed));
  }

  const control = createControl({ stats, settings: () => settings, configure, reset, now });
  async function onControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!isLoopback(req.socket.remoteAddress))
      return reply(res, 403, "text/plain", "control endpoints answer loopback callers only");
    const { status, value } = await control.handle(req.method ?? "GET", url, () => readBody(req));
    reply(res, status, "application/json", JSON.stringify(value));
  }

  const server = createServer((req, res) => {
    // The arrival is stamped first, before the body is read, parsed or verified: the gateway's clock.
    const at = now();
    const url = new URL(req.url ?? "/", "http://gateway.invalid");
    const handled = url.pathname.startsWith("/_")
      ? onControl(req, res, url)
      : req.method === "POST"
        ? onApiRequest(req, res, at, url.pathname)
        : Promise.resolve(reply(res, 405, "text/plain", "POST only"));
    handled.catch((e: unknown) => {
      log(`internal error: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) reply(res, 500, "text/plain", "stand-in internal error");
    });
  });
  // Keep-alive connections from the relay are fine; do not let Node's defaults time them out mid-hang.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? "127.0.0.1";
  const base = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url: base,
    apiUrl: base + API_PATH,
    port,
    stats: (detail = true) => stats.snapshot(detail),
    counts: () => stats.counts(),
    reset,
    configure,
    settings: () => settings,
    close: () =>
      new Promise<void>((resolve) => {
        control.close();
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function echoOf(parsed: unknown, clientId: string): Echo {
  const head = (parsed as { request?: { head?: Record<string, unknown> } } | undefined)?.request?.head;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    clientId: str(head?.clientId) ?? clientId,
    reqMsgId: str(head?.reqMsgId) ?? "",
    function: str(head?.function) ?? FUNCTION_NAME,
  };
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const SETTING_KEYS = [
  "limitRps",
  "latencyMs",
  "faults",
  "signAlgorithm",
  "urlEncodeSignature",
  "seed",
  "exceedStatus",
] as const;

/** The defined settings in `patch`; with `strict`, other keys are an error (a mistyped control call). */
function pickSettings(patch: object, strict = true): Partial<GatewaySettings> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if ((SETTING_KEYS as readonly string[]).includes(key)) {
      if (value !== undefined) out[key] = value;
    } else if (strict) {
      throw new Error(`unknown setting "${key}" (known: ${SETTING_KEYS.join(", ")})`);
    }
  }
  return out as Partial<GatewaySettings>;
}
