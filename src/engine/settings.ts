/** What the engine needs from configuration, in its own units: derived from the parsed `Config`, never re-parsed. */
import type { Config } from "../config";
import { callerWeights } from "../security/callers";
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
  /** Queued runs (stored chunks of at most 100 notifications) beyond which new work is refused. */
  maxBacklogBatches: number;
  /** Callers' weights in the fair share of each request's places, by owner (absent: 1). */
  callerWeights?: Readonly<Record<string, number>>;
  /** How long finished jobs stay readable, ms. */
  jobRetentionMs: number;
  /** The longest gap between two breaker probes, ms. */
  breakerProbeMaxMs: number;
  /** How long an accepted `dedupKey` is remembered per caller, ms (RELAY_DEDUP_HOURS). */
  dedupWindowMs: number;
  /** The outbox's size cap, bytes: new work that would pass it is refused; health turns degraded above 80 % of it. */
  storageCapBytes: number;
  /** `dedupKey`s remembered per caller; beyond it its oldest go first (RELAY_MAX_DEDUP_KEYS). */
  maxDedupKeys?: number;
  /** Open `Prefer: wait` waits per caller; beyond it a wait answers at once (RELAY_MAX_WAITS_PER_CALLER). */
  maxWaitsPerCaller?: number;
  /** Completion callbacks: tries on the wire at once (all, and per caller), and due callbacks per caller. */
  callbacks?: CallbackLimits;
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

/** What completion callbacks may hold at once. */
export interface CallbackLimits {
  /** Tries on the wire at once, all callers together. */
  inFlight: number;
  /** Tries on the wire at once for one caller. */
  perCallerInFlight: number;
  /** Callbacks of one caller that are due and undelivered, beyond which its new requests with `callbackUrl` are refused. */
  pendingPerCaller: number;
}

/** Callback limits when none are given (the settings' defaults). */
export const DEFAULT_CALLBACK_LIMITS: CallbackLimits = { inFlight: 4, perCallerInFlight: 2, pendingPerCaller: 1000 };

/**
 * Callback tries a Durable Object keeps on the wire at most: it sends them itself, and one invocation
 * waits on at most 6 connections, so 2 stay for its hand-overs to senders.
 */
export const DURABLE_OBJECT_CALLBACKS_IN_FLIGHT = 4;

/** What a host may set apart from the configuration. */
export interface HostLimits {
  leadMs?: number;
  handoverMs?: number;
  /** The most callback tries the host can keep on the wire (the setting is lowered to it). */
  callbacksInFlight?: number;
}

/** Default hand-over lead, ms: at 50 per second about five slots, so one sender carries several batches. */
export const DEFAULT_LEAD_MS = 100;

/** Default least hand-over time before a slot, ms: an RPC to a fresh sender invocation, and its signing, take a few ms, more on a busy machine. */
export const DEFAULT_HANDOVER_MS = 35;

/** The engine's settings from a parsed configuration. */
export function engineSettings(config: Config, host: HostLimits = {}): EngineSettings {
  return {
    clientId: config.clientId,
    pacer: { maxRps: config.maxRps, guardMs: config.paceGuardMs },
    retry: { maxAttempts: config.maxAttempts, baseDelayMs: config.retryBaseMs, maxDelayMs: config.retryMaxMs },
    maxInFlight: config.maxInFlight,
    sendTimeoutMs: config.sendTimeoutMs,
    maxBacklogBatches: config.maxBacklogBatches,
    callerWeights: callerWeights(config),
    jobRetentionMs: config.jobRetentionHours * 3_600_000,
    breakerProbeMaxMs: config.breakerProbeSeconds * 1000,
    storageCapBytes: config.storageCapBytes,
    dedupWindowMs: config.dedupHours * 3_600_000,
    maxDedupKeys: config.maxDedupKeys,
    maxWaitsPerCaller: config.maxWaitsPerCaller,
    callbacks: {
      inFlight: Math.min(config.maxCallbacksInFlight, host.callbacksInFlight ?? Number.POSITIVE_INFINITY),
      perCallerInFlight: config.maxCallbacksInFlightPerCaller,
      pendingPerCaller: config.maxPendingCallbacks,
    },
    leadMs: host.leadMs ?? DEFAULT_LEAD_MS,
    handoverMs: host.handoverMs ?? DEFAULT_HANDOVER_MS,
  };
}
