/**
 * What the engine shows: the job document, the status page, the recent-jobs list and the health
 * reasons. Functions of the outbox's rows and the engine's live state; nothing here decides or writes.
 */
import type { BatchView, DegradedReason, DispatcherStatus, JobView, SourceView, SubmitRequest } from "./api";
import type { Hold } from "./decide/breaker";
import { type PacerState, paceSnapshot } from "./decide/pacer";
import { type BacklogFigures, type DueQueue, REQUEST_PLACES } from "./queue";
import type { EngineSettings } from "./settings";
import { type AttemptStats, STATS_WINDOW_MS } from "./stats";
import type { OpenCounts, Outbox } from "./store/outbox";
import type { FailedRunRow, JobPartRow, JobRow } from "./store/rows";

/** Recent jobs the status lists. */
const RECENT_JOBS = 10;
/** Entries of a job's `batches` listed at most. */
const JOB_PARTS_SHOWN = 100;
/** Share of the storage cap above which health is degraded. */
const STORAGE_WARN_SHARE = 0.8;

/** The engine's live state that the status page shows. */
export interface LiveState {
  pacer: PacerState;
  hold: Hold | null;
  counts: OpenCounts;
  stats: AttemptStats;
  /** Storefront sources' ignored events, as this status's reader may see them. */
  sources: SourceView[];
}

/** A job as stored, read back with where its notifications are and its failures (payloads are never read). */
export function readJob(outbox: Outbox, jobId: string): JobView {
  const job = outbox.job(jobId);
  if (!job) throw new Error(`job ${jobId} vanished while being read`);
  const { parts, omitted } = outbox.jobParts(jobId, JOB_PARTS_SHOWN);
  return jobView(job, parts, omitted, job.failed > 0 ? outbox.failures(jobId) : []);
}

/** A job just accepted, described as stored (`notifications` queued, after deduplication) without reading it back. */
export function queuedJobView(
  request: SubmitRequest,
  notifications: number,
  deduplicated: number,
  now: number,
): JobView {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    jobId: request.jobId,
    status: "queued",
    merchantId: request.merchantId,
    total: notifications + deduplicated,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    expired: 0,
    deduplicated,
    pending: notifications,
    sendAfter: iso(request.sendAfter),
    expiresAt: iso(request.expiresAt),
    onUnknown: request.onUnknown ?? "retry",
    callback: request.callbackUrl === undefined ? null : { status: "waiting", attempts: 0, lastError: null },
    createdAt: new Date(now).toISOString(),
    completedAt: null,
    batches:
      notifications === 0
        ? []
        : [
            {
              size: notifications,
              status: "queued",
              attempts: 0,
              reqMsgId: null,
              resultStatus: null,
              resultCode: null,
              resultMsg: null,
            },
          ],
    batchesOmitted: 0,
    failures: [],
  };
}

/** What a caller (not an admin) sees of the status: its own work and its own requests' results. */
export interface StatusScope {
  owner: string;
  backlog: BacklogFigures;
  /** Requests on the wire carrying its notifications, and those notifications. */
  wire: { requests: number; notifications: number };
  etaSeconds: number;
  stats: AttemptStats;
}

/** Seconds until the backlog is sent in full requests at `liveRps` (requests per second). */
export function etaSeconds(counts: OpenCounts, liveRps: number): number {
  return Math.ceil((counts.queuedNotifications + counts.inFlightNotifications) / (REQUEST_PLACES * liveRps));
}

/** Rates are shown to 0.01 per second: the pacer's arithmetic leaves float noise below that. */
export function roundRate(rps: number): number {
  return Math.round(rps * 100) / 100;
}

/**
 * The status page: everyone's for an admin (`scope` null), else the caller's own work, requests and
 * results, its entry and jobs, and the hold without who paused. `shareOf` gives a caller's share of the
 * backlog cap in runs.
 */
export function statusView(
  outbox: Outbox,
  queue: DueQueue,
  live: LiveState,
  settings: EngineSettings,
  scope: StatusScope | null,
  shareOf: (owner: string) => number,
  now: number,
): DispatcherStatus {
  const snapshot = paceSnapshot(live.pacer, settings.pacer, now);
  const { counts, hold } = live;
  const owner = scope?.owner ?? null;
  const all = scope ? null : queue.backlog(null);
  const stats = scope?.stats ?? live.stats;
  return {
    pace: {
      configuredRps: snapshot.configuredRps,
      liveRps: roundRate(snapshot.liveRps),
      sentLastSecond: snapshot.sentLastSecond,
      lastExceedAt: snapshot.lastExceedAt === null ? null : new Date(snapshot.lastExceedAt).toISOString(),
    },
    backlog: scope
      ? {
          notifications: scope.backlog.notifications + scope.wire.notifications,
          queued: scope.backlog.notifications,
          due: scope.backlog.dueNotifications,
          delayed: scope.backlog.notifications - scope.backlog.dueNotifications,
          etaSeconds: scope.etaSeconds,
          oldestDueSeconds: Math.max(0, now - (outbox.oldestDueAt(now, scope.owner) ?? now)) / 1000,
        }
      : {
          notifications: counts.queuedNotifications + counts.inFlightNotifications,
          queued: counts.queuedNotifications,
          due: all?.dueNotifications ?? 0,
          delayed: counts.queuedNotifications - (all?.dueNotifications ?? 0),
          etaSeconds: etaSeconds(counts, snapshot.liveRps),
          oldestDueSeconds: Math.max(0, now - (outbox.oldestDueAt(now) ?? now)) / 1000,
        },
    inFlight: scope ? scope.wire.requests : counts.inFlightRequests,
    callers: queue.callers(owner).map(({ owner: caller, weight, due, queued, share, runs }) => ({
      caller,
      weight,
      due,
      queued,
      share: Math.round(share * 1000) / 1000,
      runs,
      backlogShare: shareOf(caller),
    })),
    results: stats.byCode(now),
    resultWindowSeconds: STATS_WINDOW_MS / 1000,
    resultsSince: new Date(stats.since(now)).toISOString(),
    sendsPerSecond: stats.perSecond(now),
    recentJobs: outbox.recentJobs(owner, RECENT_JOBS).map(recentJob),
    adaptations: outbox.getMeta<DispatcherStatus["adaptations"]>("adaptations") ?? [],
    hold: hold && {
      kind: hold.kind,
      reason: hold.reason,
      since: new Date(hold.since).toISOString(),
      // Who paused is an operator's owner id: for operators only.
      by: scope ? null : (hold.by ?? null),
      nextProbeAt: hold.nextProbeAt === null ? null : new Date(hold.nextProbeAt).toISOString(),
    },
    storage: { bytes: outbox.sql.databaseBytes(), capBytes: settings.storageCapBytes },
    sources: live.sources,
  };
}

/** Why sending is impaired: a hold (breaker, pause, clientId mismatch), or storage near its cap. */
export function degradedReasons(hold: Hold | null, bytes: number, capBytes: number): DegradedReason[] {
  const reasons: DegradedReason[] = [];
  if (hold) {
    const reason =
      hold.kind === "client-mismatch" ? "client-id-mismatch" : hold.kind === "paused" ? "paused" : "breaker-open";
    // An operator's pause says who and since when, so the next operator knows whom to ask.
    const detail =
      hold.kind === "paused"
        ? `${hold.reason} (paused by ${hold.by ?? "an operator"} at ${new Date(hold.since).toISOString()})`
        : hold.reason;
    reasons.push({ reason, detail });
  }
  if (bytes > STORAGE_WARN_SHARE * capBytes) {
    const detail = `the outbox holds ${bytes} bytes, above ${STORAGE_WARN_SHARE * 100} % of RELAY_STORAGE_CAP_BYTES (${capBytes})`;
    reasons.push({ reason: "storage-near-cap", detail });
  }
  return reasons;
}

/** The job document from its row (with counters), where its notifications are, and its failed runs' openIds. */
export function jobView(
  job: JobRow,
  parts: readonly JobPartRow[],
  omitted: number,
  failed: readonly FailedRunRow[],
): JobView {
  const failures: JobView["failures"] = [];
  for (const run of failed) {
    const openIds = run.open_ids ? (JSON.parse(run.open_ids) as string[]) : [];
    for (const openId of openIds)
      failures.push({ openId, resultCode: run.result_code ?? "UNKNOWN", resultMsg: run.result_msg ?? "" });
  }
  return {
    jobId: job.job_id,
    status: jobStatus(job),
    merchantId: job.merchant_id,
    total: job.total,
    ...endings(job),
    pending: job.total - ended(job),
    sendAfter: iso(job.send_after),
    expiresAt: iso(job.expires_at),
    onUnknown: job.on_unknown,
    callback:
      job.callback_url === null
        ? null
        : {
            status: job.callback_status ?? "waiting",
            attempts: job.callback_attempts,
            lastError: job.callback_last_error,
          },
    createdAt: new Date(job.created_at).toISOString(),
    completedAt: job.completed_at === null ? null : new Date(job.completed_at).toISOString(),
    batches: parts.map(partView),
    batchesOmitted: omitted,
    failures,
  };
}

function partView(part: JobPartRow): BatchView {
  return {
    size: part.notifications,
    status: part.state === "leased" ? "sending" : part.state,
    attempts: part.attempts,
    reqMsgId: part.req_msg_id,
    resultStatus: part.result_status,
    resultCode: part.result_code,
    resultMsg: part.result_msg,
  };
}

/** Notifications that reached an end: sent, failed, or not sent by a policy. */
export function ended(job: Pick<JobRow, "succeeded" | "failed" | "cancelled" | "expired" | "deduplicated">): number {
  return job.succeeded + job.failed + job.cancelled + job.expired + job.deduplicated;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** `completed` once every notification ended, `running` once any was sent, else `queued`. */
export function jobStatus(job: Pick<JobRow, "completed_at" | "attempted">): JobView["status"] {
  if (job.completed_at !== null) return "completed";
  return job.attempted > 0 ? "running" : "queued";
}

/** One line of the status page's recent jobs, from the job row alone. */
export function recentJob(job: JobRow): DispatcherStatus["recentJobs"][number] {
  return {
    jobId: job.job_id,
    status: jobStatus(job),
    total: job.total,
    ...endings(job),
    createdAt: new Date(job.created_at).toISOString(),
  };
}

/** How many of a job's notifications ended each way. */
function endings(job: JobRow): Pick<JobView, "succeeded" | "failed" | "cancelled" | "expired" | "deduplicated"> {
  const { succeeded, failed, cancelled, expired, deduplicated } = job;
  return { succeeded, failed, cancelled, expired, deduplicated };
}
