import type { NotificationInfo } from "../core/types";
import type { BatchRow, JobRow } from "./outbox";
import type { BatchView, JobView } from "./types";

/** The job's status, derived from its batches: nothing about it is stored twice. */
export function jobView(job: JobRow, batches: BatchRow[]): JobView {
  let succeeded = 0;
  let failed = 0;
  let attempted = 0;
  const failures: JobView["failures"] = [];
  const views: BatchView[] = batches.map((b) => {
    if (b.state === "succeeded") succeeded += b.size;
    if (b.state === "failed") {
      failed += b.size;
      for (const n of JSON.parse(b.notifications) as NotificationInfo[]) {
        failures.push({ openId: n.openId, resultCode: b.result_code ?? "UNKNOWN", resultMsg: b.result_msg ?? "" });
      }
    }
    if (b.attempts > 0) attempted += 1;
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
  });
  return {
    jobId: job.job_id,
    status: jobStatus(job, attempted),
    merchantId: job.merchant_id,
    total: job.total,
    succeeded,
    failed,
    pending: job.total - succeeded - failed,
    createdAt: new Date(job.created_at).toISOString(),
    completedAt: job.completed_at === null ? null : new Date(job.completed_at).toISOString(),
    batches: views,
    failures,
  };
}

/** `completed` once every batch settled, `running` once any was attempted, else `queued`. */
export function jobStatus(job: Pick<JobRow, "completed_at">, attemptedBatches: number): JobView["status"] {
  if (job.completed_at !== null) return "completed";
  return attemptedBatches > 0 ? "running" : "queued";
}
