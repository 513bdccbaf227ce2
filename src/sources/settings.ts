/**
 * What of a source's declaration depends on other settings, checked with the rest of the configuration:
 * each secret it names must be set and fit its provider, it needs a merchant (its own or
 * ALIPAY_MERCHANT_ID), and a callback needs RELAY_CALLBACK_SECRET. Secrets become HMAC keys here, once.
 */
import { type CallbackDestinations, callbackUrlProblem } from "../security/callback-destination";
import { signingKey } from "../security/sources";
import type { Sources } from "./declaration";

/** A problem, named by the setting at fault (a secret's own name when it is the secret). */
export interface SourceSettingError {
  setting: string;
  problem: string;
}

/** The other settings the sources lean on. */
export interface SourceSettingsInput {
  /** Every setting by name, as the host passes them (a secret is read by the name the declaration gives). */
  env: Record<string, unknown>;
  /** ALIPAY_MERCHANT_ID, when set. */
  merchantId: string | undefined;
  /** Whether RELAY_CALLBACK_SECRET is set. */
  callbackSigning: boolean;
  /** Where callbacks may go (RELAY_CALLBACK_ALLOW_LOCAL, RELAY_CALLBACK_HOSTS). */
  callbackDestinations: CallbackDestinations;
}

/** The HMAC keys of every source, by source name, and every problem found. */
export function resolveSourceSettings(
  sources: Sources,
  input: SourceSettingsInput,
): { keys: Record<string, Uint8Array[]>; errors: SourceSettingError[] } {
  const keys: Record<string, Uint8Array[]> = {};
  const errors: SourceSettingError[] = [];
  for (const [name, source] of Object.entries(sources)) {
    keys[name] = [];
    for (const setting of source.secrets) {
      const raw = input.env[setting];
      const text = typeof raw === "string" ? raw.trim() : "";
      const usedBy = `source ${name} (RELAY_SOURCES) verifies its ${source.provider} webhooks with it`;
      if (text === "") {
        errors.push({ setting, problem: `is not set; ${usedBy}` });
        continue;
      }
      const key = signingKey(source.provider, text);
      if (key.ok) keys[name].push(key.key);
      else errors.push({ setting, problem: `${key.problem}; ${usedBy}` });
    }
    if (source.merchantId === undefined && input.merchantId === undefined) {
      errors.push({
        setting: "RELAY_SOURCES",
        problem: `${name}.merchantId: is not set, and neither is ALIPAY_MERCHANT_ID`,
      });
    }
    if (source.callbackUrl !== undefined) {
      const problem = input.callbackSigning
        ? callbackUrlProblem(source.callbackUrl, input.callbackDestinations)
        : "callbacks are not enabled on this relay (RELAY_CALLBACK_SECRET is not set)";
      if (problem) errors.push({ setting: "RELAY_SOURCES", problem: `${name}.callbackUrl: ${problem}` });
    }
  }
  return { keys, errors };
}
