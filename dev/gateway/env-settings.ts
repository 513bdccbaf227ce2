/**
 * Reads the stand-in's settings from environment variables (the CLI maps its flags onto the same
 * names, so there is one parser). Errors name the setting and say what is wrong.
 */
import { parseFaults } from "./faults.ts";
import type { GatewaySettings } from "./server.ts";
import type { SignAlgorithm } from "./verify.ts";

/** Environment variables, as in process.env. */
export type Env = Record<string, string | undefined>;

/** The stand-in settings named by GATEWAY_* variables (plus ALIPAY_SIGN_ALGORITHM as a fallback). */
export function gatewaySettingsFromEnv(env: Env): Partial<GatewaySettings> {
  const settings: Partial<GatewaySettings> = {};
  const limitRps = readNumber(env, "GATEWAY_LIMIT_RPS", { min: 0 });
  if (limitRps !== undefined) settings.limitRps = limitRps;
  const latencyMs = readNumber(env, "GATEWAY_LATENCY_MS", { min: 0 });
  if (latencyMs !== undefined) settings.latencyMs = latencyMs;
  const seed = readNumber(env, "GATEWAY_SEED", { min: 0, integer: true });
  if (seed !== undefined) settings.seed = seed;
  if (env.GATEWAY_FAULTS) {
    try {
      settings.faults = parseFaults(env.GATEWAY_FAULTS);
    } catch (e) {
      throw new Error(`GATEWAY_FAULTS: ${(e as Error).message}`);
    }
  }
  const encode = env.GATEWAY_URL_ENCODE_SIGNATURE;
  if (encode !== undefined && encode !== "") {
    if (!["true", "false", "1", "0"].includes(encode))
      throw new Error("GATEWAY_URL_ENCODE_SIGNATURE: must be true or false");
    settings.urlEncodeSignature = encode === "true" || encode === "1";
  }
  const exceedStatus = env.GATEWAY_EXCEED_STATUS;
  if (exceedStatus !== undefined && exceedStatus !== "") {
    if (exceedStatus !== "F" && exceedStatus !== "U")
      throw new Error(`GATEWAY_EXCEED_STATUS: must be F or U, not "${exceedStatus}"`);
    settings.exceedStatus = exceedStatus;
  }
  const algorithm = readSignAlgorithm(env, "GATEWAY_SIGN_ALGORITHM") ?? readSignAlgorithm(env, "ALIPAY_SIGN_ALGORITHM");
  if (algorithm) settings.signAlgorithm = algorithm;
  return settings;
}

/** `RSA` or `RSA2` from `env[name]`, undefined when unset; throws naming `name` otherwise. */
export function readSignAlgorithm(env: Env, name: string): SignAlgorithm | undefined {
  const value = env[name];
  if (value === undefined || value === "") return undefined;
  if (value !== "RSA" && value !== "RSA2")
    throw new Error(`${name}: must be RSA (SHA1withRSA) or RSA2 (SHA256withRSA), not "${value}"`);
  return value;
}

/** A number from `env[name]`, undefined when unset; throws naming `name` when it is not acceptable. */
export function readNumber(
  env: Env,
  name: string,
  rule: { min?: number; max?: number; integer?: boolean },
): number | undefined {
  const value = env[name];
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  const ok =
    Number.isFinite(n) &&
    (!rule.integer || Number.isInteger(n)) &&
    (rule.min === undefined || n >= rule.min) &&
    (rule.max === undefined || n <= rule.max);
  if (!ok) {
    const kind = rule.integer ? "an integer" : "a number";
    const range = [rule.min !== undefined ? `≥ ${rule.min}` : "", rule.max !== undefined ? `≤ ${rule.max}` : ""]
      .filter(Boolean)
      .join(" and ");
    throw new Error(`${name}: must be ${kind}${range ? ` ${range}` : ""}, not "${value}"`);
  }
  return n;
}
