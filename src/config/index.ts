/**
 * Configuration: wrangler vars and secrets parsed once into a typed `Config` from the one declaration in
 * `settings.ts`; every problem names its setting, and secret values never appear in an error or a summary.
 */
import * as z from "zod/mini";
import { resolveSourceSettings } from "../sources/settings";
import type { CallerPolicy } from "./callers";
import { SETTINGS, type SettingName } from "./settings";
import type { CallerKey } from "./values";

export type { CallerPolicy } from "./callers";
export { SETTINGS, type SettingName } from "./settings";
export type { CallerKey } from "./values";

type Settings = typeof SETTINGS;
type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
/** `ALIPAY_MAX_RPS` → `maxRps`: a setting's field in `Config` (prefix dropped, camelCase). */
export type FieldOf<N extends string> = N extends `${"ALIPAY" | "RELAY"}_${infer R}` ? Camel<Lowercase<R>> : never;
type Optional<N extends SettingName> = N extends SettingName
  ? Settings[N] extends { default: null; required: false }
    ? N
    : never
  : never;
type ValueOf<N extends SettingName> = z.output<Settings[N]["schema"]>;

/** The relay's configuration, parsed and typed: one field per setting, named by `FieldOf`. */
export type Config = { [N in Exclude<SettingName, Optional<SettingName>> as FieldOf<N>]: ValueOf<N> } & {
  [N in Optional<SettingName> as FieldOf<N>]?: ValueOf<N>;
} & {
  /** Key lists are empty rather than absent when unset. */
  apiKeys: CallerKey[];
  adminKeys: string[];
  metricsKeys: string[];
  /** RELAY_CALLERS by caller name; empty when unset. */
  callers: Record<string, CallerPolicy>;
  /** Each source's HMAC keys (from the secrets its declaration names), by source name; empty without sources. */
  sourceKeys: Record<string, Uint8Array[]>;
};

/** One configuration problem: which setting, and what is wrong with it (never its secret value). */
export interface ConfigError {
  setting: string;
  problem: string;
}

/** Either the parsed configuration or every problem found. */
export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: ConfigError[] };

/** Every setting name, in declaration order. */
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** The `Config` field of a setting: `RELAY_MAX_IN_FLIGHT` → `maxInFlight`. */
export function fieldOf<N extends SettingName>(name: N): FieldOf<N> {
  const rest = name.replace(/^(ALIPAY|RELAY)_/, "").toLowerCase();
  return rest.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()) as FieldOf<N>;
}

/**
 * Parses the Worker `env` (any object whose settings are strings) into a `Config`, reporting every bad
 * setting at once. Pure and synchronous; keys are only checked for presence here (imported in runtime.ts).
 */
export function parseConfig(env: object): ConfigResult {
  const source = env as Record<string, unknown>;
  const errors: ConfigError[] = [];
  const values: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const setting: Settings[SettingName] = SETTINGS[name];
    const raw = source[name];
    let text: string | undefined;
    if (typeof raw === "string") text = raw.trim();
    else if (typeof raw === "number" && Number.isFinite(raw))
      text = String(raw); // a TOML number in [vars]
    else if (raw !== undefined && raw !== null) {
      errors.push({ setting: name, problem: `must be text, got a value of type ${typeof raw}` });
      continue;
    }
    if (text === undefined || text === "") text = setting.default ?? undefined;
    if (text === undefined) {
      if (setting.required) errors.push({ setting: name, problem: "is required but not set" });
      continue;
    }
    const result = (setting.schema as z.ZodMiniType<unknown, string>).safeParse(text);
    if (result.success) values[fieldOf(name)] = result.data;
    else for (const issue of result.error.issues) errors.push({ setting: name, problem: issue.message });
  }
  const reported = new Set(errors.map((error) => error.setting));
  const present = (name: SettingName) =>
    source[name] !== undefined && source[name] !== null && String(source[name]).trim() !== "";
  if (!present("RELAY_API_KEYS") && !present("RELAY_WEBHOOK_SECRET") && !reported.has("RELAY_API_KEYS")) {
    errors.push({
      setting: "RELAY_API_KEYS",
      problem: "set it or RELAY_WEBHOOK_SECRET (or both): otherwise no caller can be authenticated",
    });
  }
  // Compared only when both parsed, so one bad value is reported once.
  const base = values.retryBaseMs as number | undefined;
  const max = values.retryMaxMs as number | undefined;
  if (base !== undefined && max !== undefined && max < base) {
    errors.push({
      setting: "RELAY_RETRY_MAX_MS",
      problem: `must be at least RELAY_RETRY_BASE_MS (${base}), got ${max}`,
    });
  }
  const shared = sharedSecret(
    values.webhookSecret as Uint8Array[] | undefined,
    values.callbackSecret as Uint8Array[] | undefined,
  );
  if (shared !== null) {
    errors.push({
      setting: "RELAY_CALLBACK_SECRET",
      problem: `${shared} is also in RELAY_WEBHOOK_SECRET: a callback receiver holding it could sign requests the relay accepts; use secrets of their own`,
    });
  }
  // Sources name other settings (their secrets) and lean on the merchant and callback settings.
  const sources = values.sources as Config["sources"];
  const resolved = sources
    ? resolveSourceSettings(sources, {
        env: source,
        merchantId: values.merchantId as string | undefined,
        callbackSigning: values.callbackSecret !== undefined,
        callbackDestinations: {
          allowLocal: values.callbackAllowLocal === true,
          hosts: values.callbackHosts as string[] | undefined,
        },
      })
    : { keys: {}, errors: [] };
  errors.push(...resolved.errors);
  values.sourceKeys = resolved.keys;
  values.apiKeys ??= [];
  values.adminKeys ??= [];
  values.metricsKeys ??= [];
  values.callers ??= {};
  // Checked only against key lists that parsed, so one bad key is not also reported as unknown callers.
  if (!reported.has("RELAY_API_KEYS") && !reported.has("RELAY_WEBHOOK_SECRET")) errors.push(...unknownCallers(values));
  return errors.length === 0 ? { ok: true, config: values as Config } : { ok: false, errors };
}

/**
 * RELAY_CALLERS may name only callers that exist: a named key, `webhook` when webhooks are on, or
 * `source-<name>` for a storefront source of RELAY_SOURCES.
 */
function unknownCallers(values: Record<string, unknown>): ConfigError[] {
  const keys = values.apiKeys as CallerKey[];
  const known = new Set(keys.flatMap((key) => (key.name === undefined ? [] : [key.name])));
  if (values.webhookSecret !== undefined) known.add("webhook");
  for (const name of Object.keys((values.sources as Config["sources"]) ?? {})) known.add(`source-${name}`);
  return Object.keys(values.callers as Record<string, CallerPolicy>)
    .filter((name) => !known.has(name))
    .map((name) => ({
      setting: "RELAY_CALLERS",
      problem:
        name === "webhook"
          ? 'names "webhook", but RELAY_WEBHOOK_SECRET is not set'
          : `names ${JSON.stringify(name)}, which is no named key of RELAY_API_KEYS (write that key as ${name}:<key>)`,
    }));
}

/** Which callback secret (by position) is also a webhook secret, or null when none is. */
function sharedSecret(webhook: Uint8Array[] | undefined, callback: Uint8Array[] | undefined): string | null {
  if (!webhook || !callback) return null;
  const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);
  const index = callback.findIndex((secret) => webhook.some((other) => same(secret, other)));
  if (index < 0) return null;
  return callback.length === 1 ? "the secret" : `secret ${index + 1} of ${callback.length}`;
}

/** The settings an operator's summary shows (never a secret value: keys are counted, URLs cut to the host). */
type ShownName = { [N in SettingName]: Settings[N]["shown"] extends { kind: "hidden" } ? never : N }[SettingName];

const summaryShape = Object.fromEntries(
  SETTING_NAMES.flatMap((name) => {
    const setting: Settings[SettingName] = SETTINGS[name];
    if (setting.shown.kind === "hidden") return [];
    const member = setting.shown.schema.check(z.describe(setting.description));
    return [[name, setting.default === null && !setting.required ? z.nullable(member) : member]];
  }),
);

/** The secret-free summary of a configuration, by setting name (admin `/healthz` and `/v1/status`). */
export const ConfigSummarySchema = z
  .strictObject(summaryShape as Record<ShownName, z.ZodMiniType<string | number | boolean | null>>)
  .check(
    z.describe(
      "The relay's settings by name, without key material: keys are counted, the gateway URL cut to its host.",
    ),
  );

/** A summary that is safe to show an operator: see `ConfigSummarySchema`. */
export type ConfigSummary = z.output<typeof ConfigSummarySchema>;

/** Secret-free summary of a configuration, for operators. */
export function describeConfig(config: Config): ConfigSummary {
  const values = config as unknown as Record<string, unknown>;
  const summary: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const setting: Settings[SettingName] = SETTINGS[name];
    if (setting.shown.kind === "hidden") continue;
    const value = values[fieldOf(name)];
    const show = setting.shown.show as (value: unknown) => unknown;
    const empty = Array.isArray(value)
      ? value.length === 0
      : typeof value === "object" && Object.keys(value as object).length === 0;
    summary[name] = value === undefined || (empty && setting.default === null) ? nullOrZero(value) : show(value);
  }
  return summary as ConfigSummary;
}

// An absent optional setting is null, except key lists, which count zero keys.
function nullOrZero(value: unknown): unknown {
  return Array.isArray(value) ? 0 : null;
}
