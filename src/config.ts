/**
 * Configuration: wrangler vars and secrets parsed once into a typed `Config`, every problem reported with
 * the setting it concerns. Secret values never appear in an error or a summary.
 */
import type { SignAlgorithm } from "./core/types";
import { parseWebhookSecret } from "./security/webhook";

/** One documented setting; `SETTINGS` lists them all, for the README and /healthz. */
export interface Setting {
  /** The wrangler var or secret name. */
  readonly name: string;
  /** The value used when the setting is absent, written as it would be in `.dev.vars`. */
  readonly default?: string;
  /** True when the relay cannot start without it. */
  readonly required: boolean;
  /** True when the value must be kept out of logs, errors and summaries (set it with `wrangler secret put`). */
  readonly secret: boolean;
  /** Accepted numbers, inclusive, for numeric settings. */
  readonly range?: { readonly min: number; readonly max: number; readonly integer: boolean };
  readonly description: string;
}

const MIB = 1024 * 1024;

/** Every setting the relay reads, with its default, whether it is secret, and what it means. */
export const SETTINGS = [
  {
    name: "ALIPAY_GATEWAY_URL", required: true, secret: false,
    description: "Full URL of AlipayHK's delegateSendNotification endpoint (http or https).",
  },
  {
    name: "ALIPAY_CLIENT_ID", required: true, secret: false,
    description: "Client id AlipayHK assigned at onboarding (at most 32 characters).",
  },
  {
    name: "ALIPAY_MERCHANT_ID", required: false, secret: false,
    description: "Default merchantId when a request names none (at most 64 characters).",
  },
  {
    name: "ALIPAY_PRIVATE_KEY", required: true, secret: true,
    description: "The merchant's RSA private key: PKCS#1 PEM, PKCS#8 PEM or one-line base64 PKCS#8.",
  },
  {
    name: "ALIPAY_PUBLIC_KEY", required: true, secret: false,
    description: "Alipay's RSA public key, to verify answers: SPKI PEM or one-line base64.",
  },
  {
    name: "ALIPAY_SIGN_ALGORITHM", default: "RSA", required: false, secret: false,
    description: "RSA (SHA1withRSA, as the 2.0.0 docs say) or RSA2 (SHA256withRSA); fixed per clientId at onboarding.",
  },
  {
    name: "ALIPAY_MAX_RPS", default: "10", required: false, secret: false,
    range: { min: 0, max: 1000, integer: false },
    description: "Requests per second AlipayHK allows this clientId; above 0, fractions allowed.",
  },
  {
    name: "RELAY_API_KEYS", required: false, secret: true,
    description:
      "Comma-separated bearer tokens callers may use, each at least 16 characters. " +
      "This or RELAY_WEBHOOK_SECRET is required.",
  },
  {
    name: "RELAY_WEBHOOK_SECRET", required: false, secret: true,
    description:
      "Standard Webhooks secret: whsec_ followed by base64 of at least 16 bytes. " +
      "This or RELAY_API_KEYS is required.",
  },
  {
    name: "RELAY_MAX_NOTIFICATIONS_PER_REQUEST", default: "10000", required: false, secret: false,
    // Bounded so one request stays well inside the 32 MiB limit of the Worker → Durable Object call.
    range: { min: 1, max: 40_000, integer: true },
    description: "Most notifications one POST may carry.",
  },
  {
    name: "RELAY_MAX_BODY_BYTES", default: String(16 * MIB), required: false, secret: false,
    range: { min: 1024, max: 100 * MIB, integer: true },
    description: "Largest request body accepted, in bytes.",
  },
  {
    name: "RELAY_MAX_BACKLOG_BATCHES", default: "20000", required: false, secret: false,
    range: { min: 1, max: 10_000_000, integer: true },
    description: "Batches waiting to be sent beyond which new work is refused with 429.",
  },
  {
    name: "RELAY_MAX_IN_FLIGHT", default: "64", required: false, secret: false,
    range: { min: 1, max: 1000, integer: true },
    description: "Most sends in flight at once for the clientId, across all invocations.",
  },
  {
    name: "RELAY_PACE_GUARD_MS", default: "20", required: false, secret: false,
    range: { min: 0, max: 500, integer: true },
    description:
      "Margin added to the one-second window the pace is counted in, in ms, for network jitter between " +
      "the relay and AlipayHK; the pace is ALIPAY_MAX_RPS per (1000 + this) ms.",
  },
  {
    name: "RELAY_SEND_TIMEOUT_MS", default: "10000", required: false, secret: false,
    // A sender's background work (waitUntil) lives about 30 s after it answers the dispatcher.
    range: { min: 100, max: 25_000, integer: true },
    description: "How long one send waits for AlipayHK's answer, in ms; then the outcome is unknown.",
  },
  {
    name: "RELAY_MAX_ATTEMPTS", default: "5", required: false, secret: false,
    range: { min: 1, max: 100, integer: true },
    description: "Sends per batch before it is marked failed (traffic-limit refusals do not count).",
  },
  {
    name: "RELAY_RETRY_BASE_MS", default: "1000", required: false, secret: false,
    range: { min: 10, max: 600_000, integer: true },
    description: "First retry delay, in ms; doubles per attempt, with jitter.",
  },
  {
    name: "RELAY_RETRY_MAX_MS", default: "60000", required: false, secret: false,
    range: { min: 10, max: 86_400_000, integer: true },
    description: "Longest retry delay, in ms; at least RELAY_RETRY_BASE_MS.",
  },
  {
    name: "RELAY_MAX_WAIT_SECONDS", default: "60", required: false, secret: false,
    range: { min: 0, max: 300, integer: true },
    description: "Cap on `Prefer: wait=N`, in seconds; 0 disables waiting.",
  },
  {
    name: "RELAY_JOB_RETENTION_HOURS", default: "168", required: false, secret: false,
    range: { min: 1, max: 8760, integer: true },
    description: "How long finished jobs stay readable, in hours.",
  },
  {
    name: "RELAY_BREAKER_PROBE_SECONDS", default: "30", required: false, secret: false,
    range: { min: 1, max: 3600, integer: true },
    description:
      "While sending is paused by the circuit breaker (a gateway outage, a client-wide setup error), the " +
      "longest gap between two probe requests, in seconds; the gap starts near 1 s and doubles up to this.",
  },
  {
    name: "RELAY_STORAGE_CAP_BYTES", default: "10000000000", required: false, secret: false,
    range: { min: 1_000_000, max: 1_000_000_000_000, integer: true },
    description:
      "Size the outbox database may reach, in bytes (a Durable Object holds at most 10 GB); /healthz says " +
      "degraded above 80 % of it.",
  },
  {
    name: "RELAY_UTC_OFFSET_MINUTES", default: "480", required: false, secret: false,
    range: { min: -720, max: 840, integer: true },
    description: "UTC offset written in reqTime, in minutes (480 = +08:00, Hong Kong).",
  },
] as const satisfies readonly Setting[];

/** The name of one known setting. */
export type SettingName = (typeof SETTINGS)[number]["name"];

/** One configuration problem: which setting, and what is wrong with it (never its secret value). */
export interface ConfigError {
  setting: string;
  problem: string;
}

/** The relay's configuration, parsed and typed; fields are the setting names in camelCase, prefix dropped. */
export interface Config {
  /** Absolute http(s) URL of the delegateSendNotification endpoint. */
  gatewayUrl: string;
  clientId: string;
  /** Default merchantId; absent when callers must always name one. */
  merchantId?: string;
  /** The merchant's private key text, as configured (imported elsewhere). */
  privateKey: string;
  /** Alipay's public key text, as configured (imported elsewhere). */
  publicKey: string;
  signAlgorithm: SignAlgorithm;
  /** Requests per second AlipayHK allows this clientId. */
  maxRps: number;
  /** Accepted bearer tokens; may be empty when only webhooks are enabled. */
  apiKeys: string[];
  /** Decoded Standard Webhooks key bytes; absent when webhooks are disabled. */
  webhookSecret?: Uint8Array;
  maxNotificationsPerRequest: number;
  maxBodyBytes: number;
  maxBacklogBatches: number;
  maxInFlight: number;
  paceGuardMs: number;
  sendTimeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxWaitSeconds: number;
  jobRetentionHours: number;
  breakerProbeSeconds: number;
  storageCapBytes: number;
  utcOffsetMinutes: number;
}

/** Either the parsed configuration or every problem found. */
export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: ConfigError[] };

const SPEC = new Map<SettingName, Setting>(SETTINGS.map((setting) => [setting.name, setting]));
const MIN_API_KEY_LENGTH = 16;
// RFC 6750 b64token: what can follow `Bearer ` in a header. A key outside it could never be presented.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * Parses the Worker `env` (any object whose settings are strings) into a `Config`, reporting every bad
 * setting at once. Pure and synchronous; keys are only checked for presence here.
 */
export function parseConfig(env: object): ConfigResult {
  const source = env as Record<string, unknown>;
  const errors: ConfigError[] = [];
  const reported = new Set<SettingName>();
  const fail = (setting: SettingName, problem: string): undefined => {
    errors.push({ setting, problem });
    reported.add(setting);
    return undefined;
  };

  // undefined: unset (after the default) or already reported; otherwise the trimmed text.
  const read = (name: SettingName): string | undefined => {
    const raw = source[name];
    let text: string | undefined;
    if (typeof raw === "string") text = raw.trim();
    else if (typeof raw === "number" && Number.isFinite(raw)) text = String(raw); // a TOML number in [vars]
    else if (raw !== undefined && raw !== null) return fail(name, `must be text, got a value of type ${typeof raw}`);
    if (text === undefined || text === "") text = SPEC.get(name)?.default;
    return text;
  };
  const required = (name: SettingName): string | undefined => {
    const text = read(name);
    return text !== undefined || reported.has(name) ? text : fail(name, "is required but not set");
  };

  const number = (name: SettingName): number => {
    const range = SPEC.get(name)?.range;
    const text = read(name);
    // Every numeric setting has a range and a default, so `text` is missing only when already reported.
    if (range === undefined || text === undefined) return Number.NaN;
    const value = Number(text);
    // Integers are inclusive at both ends; a non-integer minimum is exclusive (a rate of 0 would never send).
    const fits = range.integer
      ? /^[-+]?[0-9]+$/.test(text) && value >= range.min && value <= range.max
      : /^[0-9]+(\.[0-9]+)?$/.test(text) && value > range.min && value <= range.max;
    if (!fits) {
      const wanted = range.integer
        ? `an integer from ${range.min} to ${range.max}`
        : `a number above ${range.min} and at most ${range.max}`;
      fail(name, `must be ${wanted}, got ${quote(text)}`);
    }
    return value;
  };

  const gatewayUrl = required("ALIPAY_GATEWAY_URL");
  if (gatewayUrl !== undefined) checkGatewayUrl(gatewayUrl, fail);

  const clientId = required("ALIPAY_CLIENT_ID");
  if (clientId !== undefined) checkIdentifier("ALIPAY_CLIENT_ID", clientId, 32, fail);
  const merchantId = read("ALIPAY_MERCHANT_ID");
  if (merchantId !== undefined) checkIdentifier("ALIPAY_MERCHANT_ID", merchantId, 64, fail);

  const privateKey = required("ALIPAY_PRIVATE_KEY");
  const publicKey = required("ALIPAY_PUBLIC_KEY");

  const signAlgorithm = read("ALIPAY_SIGN_ALGORITHM");
  if (signAlgorithm !== "RSA" && signAlgorithm !== "RSA2" && signAlgorithm !== undefined) {
    fail("ALIPAY_SIGN_ALGORITHM", `must be RSA (SHA1withRSA) or RSA2 (SHA256withRSA), got ${quote(signAlgorithm)}`);
  }

  const apiKeysText = read("RELAY_API_KEYS");
  const apiKeys = parseApiKeys(apiKeysText, fail);
  const webhookText = read("RELAY_WEBHOOK_SECRET");
  const webhookSecret = webhookText === undefined ? undefined : parseWebhookSecret(webhookText);
  if (webhookText !== undefined && webhookSecret === undefined) {
    fail("RELAY_WEBHOOK_SECRET", "must be whsec_ followed by standard base64 of at least 16 bytes");
  }
  if (apiKeysText === undefined && webhookText === undefined) {
    fail("RELAY_API_KEYS", "set it or RELAY_WEBHOOK_SECRET (or both): otherwise no caller can be authenticated");
  }

  const config = {
    gatewayUrl: gatewayUrl ?? "",
    clientId: clientId ?? "",
    ...(merchantId === undefined ? {} : { merchantId }),
    privateKey: privateKey ?? "",
    publicKey: publicKey ?? "",
    signAlgorithm: signAlgorithm === "RSA2" ? "RSA2" : "RSA",
    maxRps: number("ALIPAY_MAX_RPS"),
    apiKeys,
    ...(webhookSecret === undefined ? {} : { webhookSecret }),
    maxNotificationsPerRequest: number("RELAY_MAX_NOTIFICATIONS_PER_REQUEST"),
    maxBodyBytes: number("RELAY_MAX_BODY_BYTES"),
    maxBacklogBatches: number("RELAY_MAX_BACKLOG_BATCHES"),
    maxInFlight: number("RELAY_MAX_IN_FLIGHT"),
    paceGuardMs: number("RELAY_PACE_GUARD_MS"),
    sendTimeoutMs: number("RELAY_SEND_TIMEOUT_MS"),
    maxAttempts: number("RELAY_MAX_ATTEMPTS"),
    retryBaseMs: number("RELAY_RETRY_BASE_MS"),
    retryMaxMs: number("RELAY_RETRY_MAX_MS"),
    maxWaitSeconds: number("RELAY_MAX_WAIT_SECONDS"),
    jobRetentionHours: number("RELAY_JOB_RETENTION_HOURS"),
    breakerProbeSeconds: number("RELAY_BREAKER_PROBE_SECONDS"),
    storageCapBytes: number("RELAY_STORAGE_CAP_BYTES"),
    utcOffsetMinutes: number("RELAY_UTC_OFFSET_MINUTES"),
  } satisfies Config;

  // Compared only when both parsed, so one bad value is reported once.
  const bothParsed = !reported.has("RELAY_RETRY_BASE_MS") && !reported.has("RELAY_RETRY_MAX_MS");
  if (bothParsed && config.retryMaxMs < config.retryBaseMs) {
    const problem = `must be at least RELAY_RETRY_BASE_MS (${config.retryBaseMs}), got ${config.retryMaxMs}`;
    fail("RELAY_RETRY_MAX_MS", problem);
  }
  return errors.length === 0 ? { ok: true, config } : { ok: false, errors };
}

/** The limits a summary shows: plain numbers, nothing secret. */
export type ConfigLimits = Pick<
  Config,
  | "maxNotificationsPerRequest"
  | "maxBodyBytes"
  | "maxBacklogBatches"
  | "maxInFlight"
  | "paceGuardMs"
  | "sendTimeoutMs"
  | "maxAttempts"
  | "retryBaseMs"
  | "retryMaxMs"
  | "maxWaitSeconds"
  | "jobRetentionHours"
  | "breakerProbeSeconds"
  | "storageCapBytes"
  | "utcOffsetMinutes"
>;

/** A summary that is safe to show anyone who may see /healthz or /v1/status: no key material, no tokens. */
export interface ConfigSummary {
  clientId: string;
  merchantId: string | null;
  /** Only the host: a path or query could carry something an operator did not mean to publish. */
  gatewayHost: string;
  signAlgorithm: SignAlgorithm;
  maxRps: number;
  /** How many bearer keys are configured (never the keys). */
  apiKeys: number;
  /** Whether Standard Webhooks signatures are accepted. */
  webhook: boolean;
  limits: ConfigLimits;
}

/** Secret-free summary of a configuration, for /healthz and /v1/status. */
export function describeConfig(config: Config): ConfigSummary {
  // Every field is named on purpose (no spreading of `config`), so a secret added to Config later
  // cannot slip into the summary.
  return {
    clientId: config.clientId,
    merchantId: config.merchantId ?? null,
    gatewayHost: new URL(config.gatewayUrl).host,
    signAlgorithm: config.signAlgorithm,
    maxRps: config.maxRps,
    apiKeys: config.apiKeys.length,
    webhook: config.webhookSecret !== undefined,
    limits: {
      maxNotificationsPerRequest: config.maxNotificationsPerRequest,
      maxBodyBytes: config.maxBodyBytes,
      maxBacklogBatches: config.maxBacklogBatches,
      maxInFlight: config.maxInFlight,
      paceGuardMs: config.paceGuardMs,
      sendTimeoutMs: config.sendTimeoutMs,
      maxAttempts: config.maxAttempts,
      retryBaseMs: config.retryBaseMs,
      retryMaxMs: config.retryMaxMs,
      maxWaitSeconds: config.maxWaitSeconds,
      jobRetentionHours: config.jobRetentionHours,
      breakerProbeSeconds: config.breakerProbeSeconds,
      storageCapBytes: config.storageCapBytes,
      utcOffsetMinutes: config.utcOffsetMinutes,
    },
  };
}

type Fail = (setting: SettingName, problem: string) => undefined;

function checkGatewayUrl(text: string, fail: Fail): void {
  // The value is not echoed: a URL can carry credentials or tokens in its user-info or query.
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined) {
    fail("ALIPAY_GATEWAY_URL", "must be an absolute URL such as https://open.alipay.hk/api/...");
  } else if (url.protocol !== "https:" && url.protocol !== "http:") {
    fail("ALIPAY_GATEWAY_URL", `must use https (or http for a local stand-in), not ${url.protocol.slice(0, 16)}`);
  } else if (url.username !== "" || url.password !== "") {
    fail("ALIPAY_GATEWAY_URL", "must not contain a user name or password");
  }
}

function checkIdentifier(name: SettingName, value: string, maxLength: number, fail: Fail): void {
  if (value.length > maxLength) fail(name, `must be at most ${maxLength} characters, got ${value.length}`);
  else if (!VISIBLE_ASCII.test(value)) fail(name, "must be visible ASCII characters without spaces");
}

function parseApiKeys(text: string | undefined, fail: Fail): string[] {
  if (text === undefined) return [];
  const keys = text.split(",").map((key) => key.trim()).filter((key) => key !== "");
  if (keys.length === 0) fail("RELAY_API_KEYS", "is set but holds no keys (only commas and spaces)");
  // Positions, never values: these are secrets.
  keys.forEach((key, index) => {
    const which = `key ${index + 1} of ${keys.length}`;
    if (key.length < MIN_API_KEY_LENGTH) {
      fail("RELAY_API_KEYS", `${which} is ${key.length} characters; each key needs at least ${MIN_API_KEY_LENGTH}`);
    } else if (!B64TOKEN.test(key)) {
      const allowed = "letters, digits, - . _ ~ + / and trailing =";
      fail("RELAY_API_KEYS", `${which} has characters a bearer token cannot carry (allowed: ${allowed})`);
    }
  });
  return keys;
}

// Short values only: a long one may be a secret pasted into the wrong setting, so it is described, not shown.
function quote(text: string): string {
  return text.length <= 12 ? JSON.stringify(text) : `a ${text.length}-character value`;
}
