/** What a named caller may do beyond its key (RELAY_CALLERS): its weight, keyed by owner, and its merchants. */
import type { Config } from "../config";
import { ownerOf } from "./owner";

/**
 * The weight of every caller RELAY_CALLERS names, keyed by the owner id its jobs carry (`caller:<name>`,
 * the webhook signer's included); a caller left out weighs 1.
 */
export function callerWeights(config: Pick<Config, "callers">): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const [name, policy] of Object.entries(config.callers)) {
    weights[ownerOf(name === "webhook" ? { kind: "webhook" } : { kind: "named-key", name })] = policy.weight;
  }
  return weights;
}

/** True when the caller named `name` (unnamed: undefined) may submit for `merchantId`. */
export function mayUseMerchant(config: Pick<Config, "callers">, name: string | undefined, merchantId: string): boolean {
  const merchants = name === undefined ? undefined : config.callers[name]?.merchants;
  return merchants === undefined || merchants.includes(merchantId);
}
