/**
 * Admitting a submit, as pure decisions: what an earlier job under the same idempotency key or
 * webhook-id means for this request, whether the backlog (shared fairly between callers) and the
 * storage have room, when to try again if not, and when the new job should be sent.
 *
 * The backlog (RELAY_MAX_BACKLOG_BATCHES, counted in stored runs) is shared so that one caller cannot
 * lock the others out: any caller may fill it up to its last quarter (the reserve); the reserve is only
 * for a caller that stays within its weighted share of the whole cap among the callers holding work (a
 * caller holding all the work has no claim on it: it is kept for whoever comes next). A caller beyond
 * its share waits until the backlog is out of its reserve again or its own work is down to its share.
 */
import type { WireBatch } from "../../core/batch";
import type { SubmitRequest } from "../api";
import type { BacklogFigures } from "../queue";

/** The last share of RELAY_MAX_BACKLOG_BATCHES, kept for callers within their weighted share of it. */
export const BACKLOG_RESERVE_SHARE = 0.25;

/** An earlier job as admission compares it: its id, owner and body hash. */
export interface EarlierJob {
  job_id: string;
  owner: string;
  body_hash: string;
}

/** What an earlier request under the same idempotency key or webhook-id says about this one. */
export type Prior =
  | { kind: "existing"; jobId: string }
  | { kind: "idempotency-mismatch" }
  | { kind: "webhook-replayed" }
  | null;

/**
 * The job this request already made, a refusal, or null for new work; `byKey` is the owner's job under
 * the request's idempotency key, `byWebhook` the job of its webhook-id (each null when none).
 */
export function priorJob(request: SubmitRequest, byKey: EarlierJob | null, byWebhook: EarlierJob | null): Prior {
  if (byKey)
    return byKey.body_hash === request.bodyHash
      ? { kind: "existing", jobId: byKey.job_id }
      : { kind: "idempotency-mismatch" };
  if (byWebhook) {
    // Standard Webhooks senders retry with the same webhook-id for hours: the same body from the same
    // caller gets its job back for as long as the job exists; anything else under that id is a replay.
    if (byWebhook.body_hash !== request.bodyHash || byWebhook.owner !== request.owner)
      return { kind: "webhook-replayed" };
    return { kind: "existing", jobId: byWebhook.job_id };
  }
  return null;
}

/** The runs of the cap open to any caller: all but the reserve. */
export function openRuns(maxRuns: number): number {
  return maxRuns - Math.floor(maxRuns * BACKLOG_RESERVE_SHARE);
}

/** One caller's claim on the backlog, next to everyone's. */
export interface BacklogClaim {
  /** Stored runs of every caller (queued, and being stored by requests not yet accepted). */
  total: number;
  /** The caller's own. */
  own: number;
  /** The caller's weight. */
  weight: number;
  /** The weight of the other callers holding runs. */
  othersWeight: number;
}

/**
 * The runs a caller may hold while the backlog is in its reserve: its weighted share of `maxRuns` among
 * the callers holding runs, itself included; none while no other caller holds any.
 */
export function backlogShare(claim: Pick<BacklogClaim, "weight" | "othersWeight">, maxRuns: number): number {
  return claim.othersWeight > 0 ? (maxRuns * claim.weight) / (claim.weight + claim.othersWeight) : 0;
}

/** Whether `adding` runs fit, and if not, how many must leave first (of everyone's, or of the caller's own). */
export type BacklogVerdict =
  | { fits: true }
  | { fits: false; reason: "full"; excess: number }
  | { fits: false; reason: "over-share"; share: number; overShare: number; overOpen: number };

/** Decides whether `adding` runs of a caller fit in a backlog of at most `maxRuns` (see the file's comment). */
export function admitRuns(claim: BacklogClaim, adding: number, maxRuns: number): BacklogVerdict {
  const after = claim.total + adding;
  if (after > maxRuns) return { fits: false, reason: "full", excess: after - maxRuns };
  const open = openRuns(maxRuns);
  const share = backlogShare(claim, maxRuns);
  if (after <= open || claim.own + adding <= share) return { fits: true };
  return {
    fits: false,
    reason: "over-share",
    share: Math.floor(share),
    overShare: Math.ceil(claim.own + adding - share),
    overOpen: after - open,
  };
}

/**
 * Seconds until `runs` of some queued work (`work`: one caller's or everyone's) have been sent, taking
 * `places` notifications per request at `liveRps` requests per second: what is due goes first; beyond
 * it, what waits (`sendAfter`, a retry's backoff) goes no earlier than it falls due. At least 1.
 */
export function drainSeconds(work: BacklogFigures, runs: number, places: number, liveRps: number, now: number): number {
  const perSecond = Math.max(1, places) * liveRps;
  const dueSize = work.dueRuns > 0 ? work.dueNotifications / work.dueRuns : 1;
  if (runs <= work.dueRuns) return Math.max(1, Math.ceil((runs * dueSize) / perSecond));
  const waitingRuns = work.runs - work.dueRuns;
  const waitingSize = waitingRuns > 0 ? Math.max(1, (work.notifications - work.dueNotifications) / waitingRuns) : 1;
  const dueSeconds = work.dueNotifications / perSecond;
  const fallsDue = work.nextWaitingAt === null ? 0 : Math.max(0, work.nextWaitingAt - now) / 1000;
  return Math.max(1, Math.ceil(Math.max(dueSeconds, fallsDue) + ((runs - work.dueRuns) * waitingSize) / perSecond));
}

/** The outbox's bytes a request is estimated to add: its wire text, its rows, and its remembered keys with their indexes. */
export function requestBytes(
  batches: readonly WireBatch[],
  keys: readonly { key: string }[],
  owner: string,
  jobId: string,
): number {
  // A run and a payload row, with their index entries, are some 150 bytes; a key is stored in its row and
  // three indexes (by caller and key, by job, by caller and age).
  let bytes = 0;
  for (const batch of batches) bytes += batch.infos.length + 150;
  for (const { key } of keys) bytes += 4 * (key.length + owner.length) + 2 * jobId.length + 64;
  return bytes;
}

/**
 * Seconds until storage may have room again: the work due now is sent (its text freed as it goes) at
 * `liveRps`, or, with nothing due, the next waiting work falls due or the next pruning pass runs
 * (`pruneAt`); between 1 s and an hour.
 */
export function storageRetrySeconds(all: BacklogFigures, liveRps: number, pruneAt: number, now: number): number {
  let seconds: number;
  if (all.dueNotifications > 0) seconds = all.dueNotifications / (100 * liveRps);
  else if (all.nextWaitingAt !== null) seconds = (all.nextWaitingAt - now) / 1000;
  else seconds = (pruneAt - now) / 1000;
  return Math.min(3600, Math.max(1, Math.ceil(seconds)));
}

/**
 * Seconds until a new job is sent: the backlog ahead (`backlogSeconds`, this job included) or, with
 * `sendAfter`, the wait until then plus its own batches at `liveRps` (per second), whichever is later.
 */
export function admittedEta(
  request: SubmitRequest,
  batches: readonly WireBatch[],
  backlogSeconds: number,
  liveRps: number,
  now: number,
): number {
  const waitSeconds = Math.max(0, Math.ceil(((request.sendAfter ?? now) - now) / 1000));
  return Math.max(backlogSeconds, waitSeconds + Math.ceil(batches.length / liveRps));
}
