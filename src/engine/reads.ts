/**
 * What the engine shows: the job document, the status page and the health reasons. Pure functions of
 * the outbox's rows and the engine's live state; nothing here decides or writes.
 */
import type { WireBatch } from "../core/batch";
import type { Hold } from "./breaker";
import type { Outbox } from "./outbox";
import { type PacerState, paceSnapshot } from "./pacer";
import type { EngineSettings } from "./settings";
import { type AttemptStats, STATS_WINDOW_MS } from "./stats";
import type { DegradedReason, DispatcherStatus, JobView, SubmitRequest } from "./types";
import { jobView, recentJob } from "./views";

/** Recent jobs the status lists. */
const RECENT_JOBS = 10;
/** Share of the storage cap above which health is degraded. */
const STORAGE_WARN_SHARE = 0.8;

/** Queued and in-flight batches and notifications, kept in memory by the engine. */
export interface OpenCounts {
  queued: number;
  queuedNotifications: number;
  inFlight: number;
  inFlightNotifications: number;
}

/** The engine's live state that the status page shows. */
export interface LiveState {
  pacer: PacerState;
  hold: Hold | null;
  counts: OpenCounts;
  stats: AttemptStats;
}

/** A job as stored, read back with its batches and failures (payloads are never read). */
export function readJob(outbox: Outbox, jobId: string): JobView {
  const job = outbox.job(jobId);
  if (!job) throw new Error(`job ${jobId} vanished while being read`);
  return jobView(job, outbox.batchViews(jobId), job.failed > 0 ? outbox.failures(jobId) : []);
}

/**
 * A job just accepted, described as stored (every batch queued) without reading it back; `batches` are
 * those left after deduplication.
 */
export function queuedJobView(request: SubmitRequest, batches: readonly WireBatch[], deduplicated: number, now: number): JobView {
  const pending = batches.reduce((n, b) => n + b.size, 0);
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    jobId: request.jobId,
    status: "queued",
    merchantId: request.merchantId,
    total: pending + deduplicated,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    expired: 0,
    deduplicated,
    pending,
    sendAfter: iso(request.sendAfter),
    expiresAt: iso(request.expiresAt),
    onUnknown: request.onUnknown ?? "retry",
    callback: request.callbackUrl === undefined ? null : { status: "waiting", attempts: 0, lastError: null },
    createdAt: new Date(now).toISOString(),
    completedAt: null,
    batches: batches.map((b, seq) => ({
      seq,
      size: b.size,
      status: "queued",
      attempts: 0,
      reqMsgId: null,
      resultStatus: null,
      resultCode: null,
      resultMsg: null,
    })),
    failures: [],
  };
}

/** Seconds until the backlog is sent at `liveRps` (requests per second). */
export function etaSeconds(counts: OpenCounts, liveRps: number): number {
  return Math.ceil((counts.queued + counts.inFlight) / liveRps);
}

/** Rates are shown to 0.01 per second: the pacer's arithmetic leaves float noise below that. */
export function roundRate(rps: number): number {
  return Math.round(rps * 100) / 100;
}

/** The status page; recent jobs are `owner`'s only (null: everyone's). */
export function statusView(outbox: Outbox, live: LiveState, settings: EngineSettings, owner: string | null, now: number): DispatcherStatus {
  const snapshot = paceSnapshot(live.pacer, settings.pacer, now);
  const { counts, hold } = live;
  return {
    pace: {
      configuredRps: snapshot.configuredRps,
      liveRps: roundRate(snapshot.liveRps),
      sentLastSecond: snapshot.sentLastSecond,
      lastExceedAt: snapshot.lastExceedAt === null ? null : new Date(snapshot.lastExceedAt).toISOString(),
    },
    backlog: {
      batches: counts.queued + counts.inFlight,
      notifications: counts.queuedNotifications + counts.inFlightNotifications,
      etaSeconds: etaSeconds(counts, snapshot.liveRps),
    },
    inFlight: counts.inFlight,
    results: live.stats.byCode(now),
    resultWindowSeconds: STATS_WINDOW_MS / 1000,
    sendsPerSecond: live.stats.perSecond(now),
    recentJobs: outbox.recentJobs(owner, RECENT_JOBS).map(recentJob),
    adaptations: outbox.getMeta<DispatcherStatus["adaptations"]>("adaptations") ?? [],
    hold: hold && {
      kind: hold.kind,
      reason: hold.reason,
      since: new Date(hold.since).toISOString(),
      by: hold.by ?? null,
      nextProbeAt: hold.nextProbeAt === null ? null : new Date(hold.nextProbeAt).toISOString(),
    },
    storage: { bytes: outbox.sql.databaseBytes(), capBytes: settings.storageCapBytes },
  };
}

/** Why sending is impaired: a hold (breaker, pause, clientId mismatch), or storage near its cap. */
export function degradedReasons(hold: Hold | null, bytes: number, capBytes: number): DegradedReason[] {
  const reasons: DegradedReason[] = [];
  if (hold) {
    const reason = hold.kind === "client-mismatch" ? "client-id-mismatch" : hold.kind === "paused" ? "paused" : "breaker-open";
    // An operator's pause says who and since when, so the next operator knows whom to ask.
    const detail = hold.kind === "paused" ? `${hold.reason} (paused by ${hold.by ?? "an operator"} at ${new Date(hold.since).toISOString()})` : hold.reason;
    reasons.push({ reason, detail });
  }
  if (bytes > STORAGE_WARN_SHARE * capBytes) {
    const detail = `the outbox holds ${bytes} bytes, above ${STORAGE_WARN_SHARE * 100} % of RELAY_STORAGE_CAP_BYTES (${capBytes})`;
    reasons.push({ reason: "storage-near-cap", detail });
  }
  return reasons;
}
