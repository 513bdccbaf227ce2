import { parseConfig } from "../config";
import type { PacerSettings } from "../dispatch/pacer";
import type { RetrySettings } from "../dispatch/retry-policy";
import { WEBHOOK_REPLAY_WINDOW_SECONDS } from "../security/webhook";

/** What the dispatcher needs from configuration, in its own units. */
export interface DispatcherSettings {
  clientId: string;
  pacer: PacerSettings;
  retry: RetrySettings;
  maxInFlight: number;
  sendTimeoutMs: number;
  maxBacklogBatches: number;
  jobRetentionMs: number;
  webhookIdRetentionMs: number;
}

const cache = new WeakMap<object, DispatcherSettings>();

/**
 * The dispatcher's settings, parsed once per `env`. The Worker refuses requests while configuration is
 * invalid, so an invalid one here means it changed under a running object: that is a deployment error.
 */
export function dispatcherSettings(env: Env): DispatcherSettings {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error(`invalid configuration: ${parsed.errors.map((e) => e.setting).join(", ")}`);
  const c = parsed.config;
  const settings: DispatcherSettings = {
    clientId: c.clientId,
    pacer: { maxRps: c.maxRps, guardMs: c.paceGuardMs },
    retry: { maxAttempts: c.maxAttempts, baseDelayMs: c.retryBaseMs, maxDelayMs: c.retryMaxMs },
    maxInFlight: c.maxInFlight,
    sendTimeoutMs: c.sendTimeoutMs,
    maxBacklogBatches: c.maxBacklogBatches,
    jobRetentionMs: c.jobRetentionHours * 3_600_000,
    webhookIdRetentionMs: WEBHOOK_REPLAY_WINDOW_SECONDS * 1000,
  };
  cache.set(env, settings);
  return settings;
}
