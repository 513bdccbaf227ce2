/**
 * The engine's side of completion callbacks: schedule one when a job with a `callbackUrl` completes,
 * hand due tries to the host (leased, so a try whose host vanished is tried again), and record each
 * ending with the decision of `decideCallback`. The host signs and sends; nothing here does I/O.
 */
import type { logEvent } from "../log";
import { CALLBACK_LEASE_MS, CALLBACKS_PER_TICK, type CallbackStatus, decideCallback } from "./decide/callback-policy";
import type { CallbackReport, CallbackTask, JobView } from "./api";
import { CallbackQueue } from "./store/callback-queue";
import type { SqlAdapter } from "./store/sql";

/** A fresh Standard Webhooks message id for one job's callback. */
export function newWebhookId(): string {
  return `msg_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** Completion callbacks over one outbox. */
export class Callbacks {
  private readonly sql: SqlAdapter;
  private readonly queue: CallbackQueue;
  private readonly random: () => number;
  private readonly newId: () => string;
  private readonly log: typeof logEvent;
  /** When the next try falls due (ms epoch), null: none; undefined: not read yet. Kept so ticks without callbacks query nothing. */
  private dueAt: number | null | undefined;

  constructor(sql: SqlAdapter, random: () => number, newId: () => string, log: typeof logEvent) {
    this.sql = sql;
    this.queue = new CallbackQueue(sql);
    this.random = random;
    this.newId = newId;
    this.log = log;
  }

  /** A job completed: its callback (if it has one) is due now, under a fresh webhook-id. */
  schedule(jobId: string, now: number): void {
    if (!this.queue.schedule(jobId, this.newId(), now)) return;
    this.dueAt = now;
    this.log({ event: "callback_scheduled", jobId });
  }

  /** The tries due at `now`, each counted and leased; `view` reads the job document they carry. */
  due(now: number, view: (jobId: string) => JobView): CallbackTask[] {
    const at = this.nextAt();
    if (at === null || at > now) return [];
    const rows = this.queue.due(now, CALLBACKS_PER_TICK);
    this.dueAt = undefined;
    return this.sql.transaction(() =>
      rows.map((row) => {
        this.queue.lease(row.job_id, now + CALLBACK_LEASE_MS);
        return { jobId: row.job_id, owner: row.owner, url: row.callback_url, webhookId: row.callback_id, body: JSON.stringify(view(row.job_id)), attempt: row.callback_attempts + 1 };
      }),
    );
  }

  /**
   * A try's ending; returns what became of the callback (`delivered`, `pending`, `failed`: given up). A
   * report for an older try (its lease ran out and it was handed out again) is ignored (null).
   */
  report(report: CallbackReport, now: number): CallbackStatus | null {
    const row = this.queue.pending(report.jobId);
    if (row?.callback_status !== "pending" || row.callback_attempts !== report.attempt || row.completed_at === null) {
      this.log({ event: "stale_callback_report", jobId: report.jobId, attempt: report.attempt });
      return null;
    }
    const next = decideCallback(report.delivered, report.attempt, row.completed_at, now, this.random());
    this.sql.transaction(() => this.queue.settle(report.jobId, next, report.delivered ? null : report.error));
    this.dueAt = undefined;
    this.log({ event: "callback", jobId: report.jobId, attempt: report.attempt, next: next.status, error: report.error });
    return next.status;
  }

  /** How many callbacks are pending now. */
  pendingCount(): number {
    return this.queue.pendingCount();
  }

  /** When the next try falls due (a lease's end included), ms epoch, or null. */
  nextAt(): number | null {
    if (this.dueAt === undefined) this.dueAt = this.queue.nextAt();
    return this.dueAt;
  }
}
