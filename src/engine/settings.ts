/** What the engine needs from configuration, in its own units: derived from the parsed `Config`, never re-parsed. */
import type { Config } from "../config";
import type { PacerSettings } from "./decide/pacer";
import type { RetrySettings } from "./decide/retry-policy";

/** The engine's settings. */
export interface EngineSettings {
  clientId: string;
  pacer: PacerSettings;
  retry: RetrySettings;
  /** Most sends on the wire at once for the clientId. */
  maxInFlight: number;
  /** How long a send waits for AlipayHK's answer, ms (the lease adds a grace to it). */
  sendTimeoutMs: number;
  /** Unsent batches beyond which new work is refused. */
  maxBacklogBatches: number;
  /** How long finished jobs stay readable, ms. */
  jobRetentionMs: number;
  /** The longest gap between two breaker probes, ms. */
  breakerProbeMaxMs: number;
  /** How long an accepted `dedupKey` is remembered per caller, ms (RELAY_DEDUP_HOURS). */
  dedupWindowMs: number;
  /** The outbox's size cap, bytes (health turns degraded above 80 % of it). */
  storageCapBytes: number;
  /**
   * How long before its slot a batch may be handed to a sender, ms: the sender signs it and holds it
   * until the slot, so the hand-over and the signing do not move the moment it leaves; several batches
   * whose slots fall within the lead go to one sender together.
   */
  leadMs: number;
  /**
   * The least time before its slot a batch is handed to a sender, ms; also when a hand-over starts: a
   * tick hands out nothing until its first slot is this close, then takes every slot within the lead.
   */
  handoverMs: number;
}

/** Default hand-over lead, ms: at 50 per second about five slots, so one sender carries several batches. */
export const DEFAULT_LEAD_MS = 100;

/** Default least hand-over time before a slot, ms: an RPC to a fresh sender invocation, and its signing, take a few ms, more on a busy machine. */
export const DEFAULT_HANDOVER_MS = 35;

/** The engine's settings from a parsed configuration. */
export function engineSettings(config: Config, leadMs: number = DEFAULT_LEAD_MS, handoverMs: number = DEFAULT_HANDOVER_MS): EngineSettings {
  return {
    clientId: config.clientId,
    pacer: { maxRps: config.maxRps, guardMs: config.paceGuardMs },
    retry: { maxAttempts: config.maxAttempts, baseDelayMs: config.retryBaseMs, maxDelayMs: config.retryMaxMs },
    maxInFlight: config.maxInFlight,
    sendTimeoutMs: config.sendTimeoutMs,
    maxBacklogBatches: config.maxBacklogBatches,
    jobRetentionMs: config.jobRetentionHours * 3_600_000,
    breakerProbeMaxMs: config.breakerProbeSeconds * 1000,
    storageCapBytes: config.storageCapBytes,
    dedupWindowMs: config.dedupHours * 3_600_000,
    leadMs,
    handoverMs,
  };
}
