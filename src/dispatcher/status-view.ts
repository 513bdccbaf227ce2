import { jobStatus } from "./job-view";
import type { Outbox } from "./outbox";
import type { DispatcherStatus } from "./types";

/** Status figures cover this much history, in ms. */
export const STATUS_WINDOW_MS = 5 * 60_000;
/** How many exceed-limit adaptations the status keeps. */
const ADAPTATIONS_KEPT = 20;
/** How many of the caller's recent jobs the status lists. */
const RECENT_JOBS = 10;

/** The dispatcher's status as `/v1/status` shows it, read from the outbox; recent jobs are `owner`'s only. */
export function statusView(
  outbox: Outbox,
  live: { pace: DispatcherStatus["pace"]; etaSeconds: number; owner: string | null; now: number },
): DispatcherStatus {
  const backlog = outbox.backlog();
  const since = live.now - STATUS_WINDOW_MS;
  return {
    pace: live.pace,
    backlog: { batches: backlog.batches, notifications: backlog.notifications, etaSeconds: live.etaSeconds },
    inFlight: backlog.inFlight,
    results: outbox.resultCounts(since),
    resultWindowSeconds: STATUS_WINDOW_MS / 1000,
    sendsPerSecond: outbox.attemptsPerSecond(since),
    recentJobs: outbox.recentJobs(live.owner, RECENT_JOBS).map((job) => {
      const counts = outbox.jobCounts(job.job_id);
      return {
        jobId: job.job_id,
        status: jobStatus(job, counts.attempted),
        total: job.total,
        succeeded: counts.succeeded,
        failed: counts.failed,
        createdAt: new Date(job.created_at).toISOString(),
      };
    }),
    adaptations: outbox.getMeta<DispatcherStatus["adaptations"]>("adaptations") ?? [],
  };
}

/**
 * Keeps an exceed-limit adaptation in storage, so the dashboard shows it across restarts; returns false
 * when the live rate did not change (several refusals of one overload are one adaptation).
 */
export function recordAdaptation(outbox: Outbox, adaptation: DispatcherStatus["adaptations"][number]): boolean {
  const adaptations = outbox.getMeta<DispatcherStatus["adaptations"]>("adaptations") ?? [];
  if (adaptations.at(-1)?.liveRps === adaptation.liveRps) return false;
  adaptations.push(adaptation);
  outbox.setMeta("adaptations", adaptations.slice(-ADAPTATIONS_KEPT));
  return true;
}
