/**
 * The circuit breaker: pure decisions about failures that belong to the whole clientId, not to a batch.
 *
 * Two kinds of evidence open it, and while it is open every batch stays queued without spending retry
 * budget; one probe request goes out at a growing interval, and the first trusted answer closes it:
 * - setup: AlipayHK says the client's setup is wrong (signature, key, client, permission codes of the
 *   API page), or several answers in a row do not verify. Resending cannot help until someone fixes the
 *   configuration, and failing the backlog would destroy work that is fine.
 * - outage: a run of 5xx answers, timeouts or network errors across different requests' work. One gateway-wide
 *   outage must not spend every queued batch's budget.
 * An operator's pause and a clientId mismatch hold sending the same way, without probes.
 */
import type { OutcomeKind, ResultClass } from "../../core/types";

/** AlipayHK codes that say the client's setup is wrong, for every request alike (API page, basic codes). */
export const SETUP_CODES: ReadonlySet<string> = new Set([
  "INVALID_SIGNATURE",
  "KEY_NO_FOUND",
  "NO_INTERFACE_DEF",
  "API_IS_INVALID",
  "OAUTH_FAILED",
  "ACCESS_DENIED",
  "CLIENT_FORBIDDEN_ACCESS_API",
  "UNKNOWN_CLIENT",
  "INVALID_CLIENT_STATUS",
]);

/** Consecutive answers that do not verify before the breaker opens. */
export const UNVERIFIED_RUN = 3;
/** Consecutive transport failures (5xx, timeout, network) before the breaker opens … */
export const OUTAGE_RUN = 5;
/** … when they came from at least this many requests led by different runs (one sick run is not an outage). */
export const OUTAGE_LEADS = 3;
/** The first probe interval, ms; it doubles up to the configured cap. */
export const FIRST_PROBE_MS = 1_000;

/** Why sending is held. */
export type HoldKind = "setup" | "unverified" | "outage" | "paused" | "client-mismatch";

/** An open breaker (or a manual hold). Plain JSON: the engine stores it as is. */
export interface Hold {
  kind: HoldKind;
  reason: string;
  /** When it opened, ms epoch. */
  since: number;
  /** Current gap between probes, ms (0 for holds that do not probe). */
  probeIntervalMs: number;
  /** When the next probe may leave, ms epoch (null: no probes). */
  nextProbeAt: number | null;
  /** Who paused (an operator's owner id); absent for the breaker's own holds. */
  by?: string;
}

/** The breaker's whole state: the hold, if any, and the current run of client-wide failures. */
export interface BreakerState {
  hold: Hold | null;
  /** Consecutive failures of one family seen while closed. */
  run: { family: "unverified" | "outage"; count: number; leads: number[] } | null;
}

/** One attempt's ending, as the breaker needs it. */
export interface BreakerInput {
  kind: OutcomeKind;
  resultClass: ResultClass;
  resultCode: string;
  /** The failing request's work, by its first run: one run failing on every request is not an outage. */
  lead: number;
}

/** What the breaker concluded: its new state, and whether it took this failure upon itself. */
export interface BreakerDecision {
  state: BreakerState;
  /** True: the failure is the clientId's, not the batch's — requeue it and spend no budget. */
  absorbed: boolean;
  /** Set when this attempt opened or closed the breaker (for logs and the status page). */
  change: "opened" | "closed" | null;
}

/** A closed breaker. */
export const CLOSED: BreakerState = { hold: null, run: null };

/** True for holds that an answer can lift (not an operator's pause or a clientId mismatch). */
export function probes(hold: Hold): boolean {
  return hold.nextProbeAt !== null;
}

/** Whether a batch may be sent now: always while closed; while open, one probe at a time when due. */
export function maySend(state: BreakerState, now: number, probesInFlight: number): "send" | "probe" | "hold" {
  const hold = state.hold;
  if (!hold) return "send";
  if (hold.nextProbeAt === null || probesInFlight > 0 || now < hold.nextProbeAt) return "hold";
  return "probe";
}

/** The moment the breaker lets the next request leave, or null when it holds until someone acts. */
export function nextOpening(state: BreakerState): number | null {
  return state.hold ? state.hold.nextProbeAt : 0;
}

function familyOf(input: BreakerInput): "setup" | "unverified" | "outage" | "answered" | "neutral" {
  if (input.kind === "answered") return SETUP_CODES.has(input.resultCode) ? "setup" : "answered";
  if (input.kind === "unverified") return "unverified";
  if (input.kind === "http-error" || input.kind === "timeout" || input.kind === "network-error") return "outage";
  // Relay-side endings (not sent, missed slot, lost in flight) say nothing about the gateway; neither
  // does a malformed answer (the gateway answered).
  return input.kind === "malformed" ? "answered" : "neutral";
}

function open(kind: HoldKind, reason: string, now: number, maxProbeMs: number): Hold {
  const interval = Math.min(FIRST_PROBE_MS, maxProbeMs);
  return { kind, reason, since: now, probeIntervalMs: interval, nextProbeAt: now + interval };
}

/** Feeds one attempt's ending to the breaker. `maxProbeMs` caps the probe interval (RELAY_BREAKER_PROBE_SECONDS). */
export function recordOutcome(
  state: BreakerState,
  input: BreakerInput,
  now: number,
  maxProbeMs: number,
): BreakerDecision {
  const family = familyOf(input);
  const hold = state.hold;
  if (family === "neutral") return { state, absorbed: false, change: null };

  if (family === "answered") {
    // A trusted answer (success or an ordinary F/U): the gateway and the client's setup work.
    if (hold && probes(hold)) return { state: CLOSED, absorbed: false, change: "closed" };
    return { state: { hold, run: null }, absorbed: false, change: null };
  }

  if (hold) {
    // Already held: whatever was still in flight, and failed probes, are the clientId's failures too.
    if (!probes(hold)) return { state, absorbed: true, change: null };
    if (family === "setup" && hold.kind !== "setup") {
      // The evidence changed (say an outage ended and the key turned out wrong): say what holds now.
      const reopened = {
        ...open("setup", setupReason(input.resultCode), now, hold.probeIntervalMs),
        since: hold.since,
      };
      return { state: { hold: reopened, run: null }, absorbed: true, change: null };
    }
    const interval = Math.min(maxProbeMs, hold.probeIntervalMs * 2);
    return {
      state: { hold: { ...hold, probeIntervalMs: interval, nextProbeAt: now + interval }, run: null },
      absorbed: true,
      change: null,
    };
  }

  if (family === "setup") {
    return {
      state: { hold: open("setup", setupReason(input.resultCode), now, maxProbeMs), run: null },
      absorbed: true,
      change: "opened",
    };
  }

  const run = state.run?.family === family ? state.run : { family, count: 0, leads: [] };
  const leads = run.leads.includes(input.lead) ? run.leads : [...run.leads, input.lead].slice(-OUTAGE_LEADS);
  const next = { family, count: run.count + 1, leads };
  const opens =
    family === "unverified" ? next.count >= UNVERIFIED_RUN : next.count >= OUTAGE_RUN && leads.length >= OUTAGE_LEADS;
  if (!opens) return { state: { hold: null, run: next }, absorbed: false, change: null };
  const reason =
    family === "unverified"
      ? `${next.count} answers in a row did not verify with ALIPAY_PUBLIC_KEY (wrong key or algorithm, or something between the relay and AlipayHK)`
      : `${next.count} sends in a row across ${leads.length} different requests' work failed in transport (HTTP 5xx, timeouts, network errors): AlipayHK looks unreachable`;
  return { state: { hold: open(family, reason, now, maxProbeMs), run: null }, absorbed: true, change: "opened" };
}

/** An operator's pause (or a configuration mismatch): holds sending until lifted, no probes. */
export function hold(kind: "paused" | "client-mismatch", reason: string, now: number, by?: string): BreakerState {
  return {
    hold: { kind, reason, since: now, probeIntervalMs: 0, nextProbeAt: null, ...(by !== undefined ? { by } : {}) },
    run: null,
  };
}

function setupReason(code: string): string {
  return `AlipayHK answered ${code}: the client's setup (key, signature algorithm, clientId or API access) is wrong; sending is held until a probe succeeds`;
}
