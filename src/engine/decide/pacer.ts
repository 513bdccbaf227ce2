/**
 * The pace of sends for one Alipay clientId: pure functions of (state, settings, now).
 *
 * Two layers, both counted in send *starts*:
 * - a hard sliding window: at most `ceil(liveRps)` (never above `floor(maxRps)`) starts in any
 *   1000 + guardMs ms, so a few ms of jitter between our decision and the gateway's clock cannot put
 *   one request too many into one of the gateway's seconds;
 * - an even spacing (GCRA, emission interval (1000 + guardMs) / liveRps ms) so that a backlog leaves
 *   at a steady pace instead of in a burst at the start of every second. A late wake may catch up on
 *   slots missed in the last `catchUpMs`, within the hard window.
 *
 * The live rate adapts: REQUEST_TRAFFIC_EXCEED_LIMIT means the real quota is below `maxRps`. On an
 * exceed we estimate the real limit from the answers accepted in the last second, drop to 90 % of it
 * and remember it; clean answers under load then raise the rate a step every `recoveryStepMs`: 5 %
 * while far from the estimate, 1 % within ±5 % of it, 5 % again above it, up to the ceiling.
 * Exceeds within `exceedMergeMs` of a decrease come from the same overload and count as one event.
 *
 * The state is a plain JSON-serializable object so the Durable Object can store it as is.
 */

/** The guard when none is configured, ms. */
const DEFAULT_GUARD_MS = 20;

/** The guard in effect: `guardMs`, or its default. */
export function guardOf(settings: PacerSettings): number {
  return Math.max(0, settings.guardMs ?? DEFAULT_GUARD_MS);
}

/** What the pacer is told by configuration. Only `maxRps` is required. */
export interface PacerSettings {
  /** The configured quota (ALIPAY_MAX_RPS), requests per second: the ceiling of the live rate. */
  maxRps: number;
  /** Added to the 1000 ms window to absorb decide-to-arrive jitter, ms. Default 20. */
  guardMs?: number;
  /** The live rate never drops below this, requests per second (at least 0.01). Default 1, or maxRps if lower. */
  floorRps?: number;
  /** How far behind schedule a late wake may catch up, ms (bounds bursts too). Default 40. */
  catchUpMs?: number;
  /** Exceeds this soon after a decrease are the same event, ms. Default 1000. */
  exceedMergeMs?: number;
  /** Clean time under load between two recovery steps, ms. Default 2000. */
  recoveryStepMs?: number;
}

/** The pacer's persisted state (plain JSON). Times are ms since epoch. */
export interface PacerState {
  /** The `maxRps` this state was built for; a change resets the adaptation. */
  configuredRps: number;
  /** The rate currently paced at, requests per second. */
  liveRps: number;
  /** Send start times within the last 1000 + guardMs ms, ascending (at most the window cap). */
  sends: number[];
  /** GCRA theoretical arrival time: the next send's slot + catchUpMs. */
  tat: number;
  /** Times of non-exceed answers within the last 1000 ms, ascending (bounded). */
  accepted: number[];
  /** The real limit estimated at the last decrease, requests per second; null when none holds. */
  estimateRps: number | null;
  /** When the live rate was last lowered by an exceed. */
  lastDecreaseAt: number | null;
  /** When the last exceed answer arrived. */
  lastExceedAt: number | null;
  /** Start of the current clean stretch (last exceed or last recovery step). */
  cleanSince: number;
}

/** What `/v1/status` shows about the pace. */
export interface PaceSnapshot {
  configuredRps: number;
  /** The most the hard window allows on average (floor(maxRps) when maxRps ≥ 1), per second. */
  ceilingRps: number;
  liveRps: number;
  estimatedLimitRps: number | null;
  /** Send starts in the last 1000 ms. */
  sentLastSecond: number;
  lastExceedAt: number | null;
  /** When the next send may start, ms epoch. */
  nextSendAt: number;
}

const SECOND_MS = 1000;
const DECREASE_TO = 0.9; // of the estimated real limit
const FAST_STEP = 0.05; // recovery far from the estimate, per step
const SLOW_STEP = 0.01; // recovery within ±5 % of the estimate, per step
const NEAR_ESTIMATE = 0.05; // the cautious band around the estimate, relative
const BUSY_SHARE = 0.5; // recovery counts only when the last second used this share of liveRps

interface Resolved {
  maxRps: number;
  ceilingRps: number;
  windowMs: number;
  floorRps: number;
  catchUpMs: number;
  exceedMergeMs: number;
  recoveryStepMs: number;
}

/**
 * The highest average the hard window allows: counts are whole, so no second may hold more than
 * floor(maxRps) starts (2.5 configured can only ever mean 2 per second); below 1, maxRps itself.
 */
export function ceilingRps(maxRps: number): number {
  return maxRps >= 1 ? Math.floor(maxRps) : maxRps;
}

function resolve(s: PacerSettings): Resolved {
  // Configuration parsing rejects this first; reaching here is a programming error.
  if (!(s.maxRps > 0) || !Number.isFinite(s.maxRps)) throw new RangeError("maxRps must be a positive number");
  const ceiling = ceilingRps(s.maxRps);
  return {
    maxRps: s.maxRps,
    ceilingRps: ceiling,
    windowMs: SECOND_MS + guardOf(s),
    floorRps: Math.min(ceiling, Math.max(0.01, s.floorRps ?? 1)),
    catchUpMs: Math.max(0, s.catchUpMs ?? 40),
    exceedMergeMs: s.exceedMergeMs ?? SECOND_MS,
    recoveryStepMs: s.recoveryStepMs ?? 2000,
  };
}

/** A fresh pacer at the configured ceiling. */
export function initialPacer(settings: PacerSettings, now: number): PacerState {
  const r = resolve(settings);
  return {
    configuredRps: r.maxRps,
    liveRps: r.ceilingRps,
    sends: [],
    tat: now,
    accepted: [],
    estimateRps: null,
    lastDecreaseAt: null,
    lastExceedAt: null,
    cleanSince: now,
  };
}

/** Brings a stored state in line with the settings: a changed maxRps starts again from the new ceiling. */
function adapt(state: PacerState, r: Resolved, now: number): PacerState {
  if (state.configuredRps === r.maxRps) {
    const liveRps = Math.min(r.ceilingRps, Math.max(r.floorRps, state.liveRps));
    return liveRps === state.liveRps ? state : { ...state, liveRps };
  }
  return { ...initialPacer({ maxRps: r.maxRps }, now), sends: state.sends, tat: state.tat };
}

function windowCap(state: PacerState, r: Resolved): number {
  return Math.max(1, Math.min(Math.floor(r.maxRps), Math.ceil(state.liveRps)));
}

/** The times in `times` (ascending) later than `since`. */
function after(times: number[], since: number): number[] {
  const i = times.findIndex((t) => t > since);
  return i < 0 ? [] : i === 0 ? times : times.slice(i);
}

/** When the next send may start (whole ms epoch, rounded up); a value <= now means now. */
export function nextSendAt(state: PacerState, settings: PacerSettings, now: number): number {
  const r = resolve(settings);
  const s = adapt(state, r, now);
  const recent = after(s.sends, now - r.windowMs);
  const cap = windowCap(s, r);
  // The cap-th most recent start must have left the window: sends in (t - windowMs, t] stay <= cap.
  const windowFree = recent.length >= cap ? (recent[recent.length - cap] ?? 0) + r.windowMs : 0;
  // Whole ms, like Date.now(): the window boundary is then exact, never a float rounding away.
  return Math.ceil(Math.max(s.tat - r.catchUpMs, windowFree));
}

/** Records a send starting at `now` (the caller checked nextSendAt <= now). */
export function recordSend(state: PacerState, settings: PacerSettings, now: number): PacerState {
  const r = resolve(settings);
  const s = adapt(state, r, now);
  const intervalMs = r.windowMs / s.liveRps;
  // After idle (or a wake later than catchUpMs) restart the schedule from now, with the catch-up
  // allowance ahead of us rather than spent as a burst.
  const base = now >= s.tat ? now + r.catchUpMs : s.tat;
  const sends = [...after(s.sends, now - r.windowMs), now].sort((a, b) => a - b);
  return { ...s, sends: sends.slice(-Math.max(1, Math.floor(r.maxRps))), tat: base + intervalMs };
}

/**
 * Records a traffic refusal (REQUEST_TRAFFIC_EXCEED_LIMIT, or HTTP 429) received at `now`: lowers the
 * live rate once per event, and with `retryAfterMs` (a 429's `Retry-After`) sends nothing before then.
 */
export function recordExceed(
  state: PacerState,
  settings: PacerSettings,
  now: number,
  retryAfterMs?: number,
): PacerState {
  const r = resolve(settings);
  const adapted = adapt(state, r, now);
  const tat = retryAfterMs === undefined ? adapted.tat : Math.max(adapted.tat, now + retryAfterMs + r.catchUpMs);
  const s = { ...adapted, tat, lastExceedAt: now, cleanSince: now };
  if (s.lastDecreaseAt !== null && now - s.lastDecreaseAt < r.exceedMergeMs) return s;
  const acceptedLastSecond = after(s.accepted, now - SECOND_MS).length;
  // The gateway just took a full configured quota: the quota is real and this refusal is timing noise
  // (requests that left late and bunched up), not a sign that the real limit is lower.
  // (The pace itself allows ceiling × 1000 / (1000 + guard) per second, so that is a full quota here.)
  if (acceptedLastSecond >= Math.round((r.ceilingRps * SECOND_MS) / r.windowMs)) return s;
  // What the gateway let through in the last second is the best guess of its limit; with no clean
  // answer to go by, halve.
  const estimate = acceptedLastSecond > 0 ? Math.min(acceptedLastSecond, s.liveRps) : s.liveRps / 2;
  return {
    ...s,
    liveRps: Math.max(r.floorRps, estimate * DECREASE_TO),
    estimateRps: estimate,
    lastDecreaseAt: now,
  };
}

/** Records a non-exceed answer received at `now`; a long enough clean stretch under load raises the rate. */
export function recordAccepted(state: PacerState, settings: PacerSettings, now: number): PacerState {
  const r = resolve(settings);
  const s0 = adapt(state, r, now);
  const bound = 2 * Math.max(1, Math.ceil(r.maxRps)) + 1;
  const accepted = [...after(s0.accepted, now - SECOND_MS), now].slice(-bound);
  const s = { ...s0, accepted };
  if (now - s.cleanSince < r.recoveryStepMs) return s;
  // Clean answers at a light load say nothing about the quota: only a busy stretch earns a step.
  const busy = after(s.sends, now - SECOND_MS).length >= BUSY_SHARE * s.liveRps;
  if (!busy || s.liveRps >= r.ceilingRps) return { ...s, cleanSince: now };
  return { ...s, ...recover(s.liveRps, s.estimateRps, r.ceilingRps), cleanSince: now };
}

/** One recovery step: fast towards the estimate, cautious near it, fast again beyond it. */
function recover(
  liveRps: number,
  estimate: number | null,
  ceiling: number,
): Pick<PacerState, "liveRps" | "estimateRps"> {
  if (estimate === null || liveRps >= estimate * (1 + NEAR_ESTIMATE)) {
    // Past the estimate with clean answers: it no longer holds.
    return { liveRps: Math.min(ceiling, liveRps * (1 + FAST_STEP)), estimateRps: null };
  }
  const bandStart = estimate * (1 - NEAR_ESTIMATE);
  const next = liveRps < bandStart ? Math.min(bandStart, liveRps * (1 + FAST_STEP)) : liveRps * (1 + SLOW_STEP);
  return { liveRps: Math.min(ceiling, next), estimateRps: estimate };
}

/** The pace as `/v1/status` shows it. */
export function paceSnapshot(state: PacerState, settings: PacerSettings, now: number): PaceSnapshot {
  const r = resolve(settings);
  const s = adapt(state, r, now);
  return {
    configuredRps: r.maxRps,
    ceilingRps: r.ceilingRps,
    liveRps: s.liveRps,
    estimatedLimitRps: s.estimateRps,
    sentLastSecond: after(s.sends, now - SECOND_MS).length,
    lastExceedAt: s.lastExceedAt,
    nextSendAt: nextSendAt(s, settings, now),
  };
}

/**
 * Records that a send planned for `planned` really left at `actual` (both ms epoch). A late departure
 * takes its planned place in the window, so the window counts what left, and the schedule resumes at
 * least one interval after it: the slots not yet handed out move back instead of bunching behind it.
 */
export function recordDeparture(
  state: PacerState,
  settings: PacerSettings,
  planned: number,
  actual: number,
): PacerState {
  if (!(actual > planned)) return state;
  const r = resolve(settings);
  const s = adapt(state, r, actual);
  const at = s.sends.indexOf(planned);
  if (at < 0) return s;
  const sends = [...s.sends.slice(0, at), ...s.sends.slice(at + 1), actual].sort((a, b) => a - b);
  return { ...s, sends, tat: Math.max(s.tat, actual + r.catchUpMs + r.windowMs / s.liveRps) };
}

/** The part of the pacer worth storing: what it learned about the quota (the window is rebuilt from the outbox). */
export type PacerMemory = Pick<
  PacerState,
  "configuredRps" | "liveRps" | "estimateRps" | "lastDecreaseAt" | "lastExceedAt" | "cleanSince"
>;

/** What to store of a pacer state. */
export function pacerMemory(state: PacerState): PacerMemory {
  const { configuredRps, liveRps, estimateRps, lastDecreaseAt, lastExceedAt, cleanSince } = state;
  return { configuredRps, liveRps, estimateRps, lastDecreaseAt, lastExceedAt, cleanSince };
}

/**
 * A pacer after a restart: what it had learned, plus the sends of the last window as recorded in the
 * outbox (`sends`, ascending ms epoch), so a restart can never let a second window's worth through.
 */
export function restorePacer(
  memory: PacerMemory | null,
  sends: number[],
  settings: PacerSettings,
  now: number,
): PacerState {
  const r = resolve(settings);
  const fresh = initialPacer(settings, now);
  const base = memory && memory.configuredRps === r.maxRps ? { ...fresh, ...memory } : fresh;
  const recent = after(sends, now - r.windowMs).slice(-Math.max(1, Math.floor(r.maxRps)));
  const last = recent.at(-1);
  // The schedule resumes one interval after the last send, as if the instance had never gone.
  const tat = last === undefined ? now : Math.max(now, last + r.catchUpMs + r.windowMs / base.liveRps);
  return { ...base, sends: recent, tat };
}
