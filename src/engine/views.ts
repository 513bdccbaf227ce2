/** How stored jobs read: the job document and the recent-jobs list. Pure functions of stored rows. */
import type { BatchViewRow, JobRow } from "./rows";
import type { BatchView, DispatcherStatus, JobView } from "./types";

/** The job document from its row (with counters), its batches and its failed batches' openIds. */
export function jobView(
  job: JobRow,
  batches: BatchViewRow[],
  failed: { open_ids: string | null; result_code: string | null; result_msg: string | null }[],
): JobView {
  const failures: JobView["failures"] = [];
  for (const batch of failed) {
    const openIds = batch.open_ids ? (JSON.parse(batch.open_ids) as string[]) : [];
    for (const openId of openIds) failures.push({ openId, resultCode: batch.result_code ?? "UNKNOWN", resultMsg: batch.result_msg ?? "" });
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
        : { status: job.callback_status ?? "waiting", attempts: job.callback_attempts, lastError: job.callback_last_error },
    createdAt: new Date(job.created_at).toISOString(),
    completedAt: job.completed_at === null ? null : new Date(job.completed_at).toISOString(),
    batches: batches.map(batchView),
    failures,
  };
}

function batchView(b: BatchViewRow): BatchView {
  return {
    seq: b.seq,
    size: b.size,
    status: b.state === "in_flight" ? "sending" : b.state,
    attempts: b.attempts,
    reqMsgId: b.req_msg_id,
    resultStatus: b.result_status,
    resultCode: b.result_code,
    resultMsg: b.result_msg,
  };
}

/** Notifications that reached an end: sent, failed, or not sent by a policy. */
export function ended(job: Pick<JobRow, "succeeded" | "failed" | "cancelled" | "expired" | "deduplicated">): number {
  return job.succeeded + job.failed + job.cancelled + job.expired + job.deduplicated;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** `completed` once every batch settled, `running` once any was attempted, else `queued`. */
export function jobStatus(job: Pick<JobRow, "completed_at" | "attempted_batches">): JobView["status"] {
  if (job.completed_at !== null) return "completed";
  return job.attempted_batches > 0 ? "running" : "queued";
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
