/**
 * The engine's side of completion callbacks: schedule one when a job with a `callbackUrl` completes,
 * hand due tries to the host (leased, so a try whose host vanished is tried again), and record each
 * ending with the decision of `decideCallback`. The host signs and sends; nothing here does I/O.
 */
import type { logEvent } from "../log";
import { CALLBACK_LEASE_MS, CALLBACKS_PER_TICK, decideCallback } from "./callback-policy";
import { dueCallbacks, leaseCallback, nextCallbackAt, scheduleCallback, settleCallback } from "./policy-store";
import type { SqlAdapter } from "./sql";
import type { CallbackReport, CallbackTask, JobView } from "./types";

/** A fresh Standard Webhooks message id for one job's callback. */
export function newWebhookId(): string {
  return `msg_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** Completion callbacks over one outbox. */
export class Callbacks {
  private readonly sql: SqlAdapter;
  private readonly random: () => number;
  private readonly newId: () => string;
  private readonly log: typeof logEvent;
  /** When the next try falls due (ms epoch), null: none; undefined: not read yet. Kept so ticks without callbacks query nothing. */
  private dueAt: number | null | undefined;

  constructor(sql: SqlAdapter, random: () => number, newId: () => string, log: typeof logEvent) {
    this.sql = sql;
    this.random = random;
    this.newId = newId;
    this.log = log;
  }

  /** A job completed: its callback (if it has one) is due now, under a fresh webhook-id. */
  schedule(jobId: string, now: number): void {
    if (!scheduleCallback(this.sql, jobId, this.newId(), now)) return;
    this.dueAt = now;
    this.log({ event: "callback_scheduled", jobId });
  }

  /** The tries due at `now`, each counted and leased; `view` reads the job document they carry. */
  due(now: number, view: (jobId: string) => JobView): CallbackTask[] {
    const at = this.nextAt();
    if (at === null || at > now) return [];
    const rows = dueCallbacks(this.sql, now, CALLBACKS_PER_TICK);
    this.dueAt = undefined;
    return this.sql.transaction(() =>
      rows.map((row) => {
        leaseCallback(this.sql, row.job_id, now + CALLBACK_LEASE_MS);
        return { jobId: row.job_id, owner: row.owner, url: row.callback_url, webhookId: row.callback_id, body: JSON.stringify(view(row.job_id)), attempt: row.callback_attempts + 1 };
      }),
    );
  }

  /** A try's ending. A report for an older try (its lease ran out and it was handed out again) is ignored. */
  report(report: CallbackReport, now: number): void {
    const row = this.sql.exec<{ callback_status: string | null; callback_attempts: number; completed_at: number | null }>(
      "SELECT callback_status, callback_attempts, completed_at FROM jobs WHERE job_id = ?",
      report.jobId,
    )[0];
    if (row?.callback_status !== "pending" || row.callback_attempts !== report.attempt || row.completed_at === null) {
      this.log({ event: "stale_callback_report", jobId: report.jobId, attempt: report.attempt });
      return;
    }
    const next = decideCallback(report.delivered, report.attempt, row.completed_at, now, this.random());
    this.sql.transaction(() => settleCallback(this.sql, report.jobId, next, report.delivered ? null : report.error));
    this.dueAt = undefined;
    this.log({ event: "callback", jobId: report.jobId, attempt: report.attempt, next: next.status, error: report.error });
  }

  /** When the next try falls due (a lease's end included), ms epoch, or null. */
  nextAt(): number | null {
    if (this.dueAt === undefined) this.dueAt = nextCallbackAt(this.sql);
    return this.dueAt;
  }
}
