/**
 * The engine's side of completion callbacks: schedule one when a job with a `callbackUrl` completes,
 * hand due tries to the host (leased, so a try whose host vanished is tried again), and record each
 * ending with the decision of `decideCallback`. The host signs and sends; nothing here does I/O.
 *
 * What is on the wire is counted here, in memory: tries handed out and not yet reported (or whose lease
 * has not run out). At most `inFlight` go at once, `perCallerInFlight` for one caller; a caller at its cap
 * is passed over. The counts are this instance's connections, so a restart rightly starts them at zero
 * (the tries of the instance before it ended with it; their rows fall due when their leases run out).
 */
import type { logEvent } from "../log";
import {
  CALLBACK_LEASE_MS,
  type CallbackStatus,
  callbackWindowMs,
  decideCallback,
  pickCallbacks,
} from "./decide/callback-policy";
import type { CallbackReport, CallbackTask, JobView } from "./api";
import { type CallbackLimits, DEFAULT_CALLBACK_LIMITS } from "./settings";
import { CallbackQueue, type DueCallbackRow } from "./store/callback-queue";
import type { SqlAdapter } from "./store/sql";

/** A fresh Standard Webhooks message id for one job's callback. */
export function newWebhookId(): string {
  return `msg_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** A try on the wire. */
interface OutTry {
  owner: string;
  attempt: number;
  /** Its lease's end (ms epoch): unreported by then, it no longer counts. */
  until: number;
}

/** Completion callbacks over one outbox. */
export class Callbacks {
  private readonly sql: SqlAdapter;
  private readonly queue: CallbackQueue;
  private readonly random: () => number;
  private readonly newId: () => string;
  private readonly log: typeof logEvent;
  private readonly limits: CallbackLimits;
  /** Tries on the wire, by job. */
  private readonly out = new Map<string, OutTry>();
  /** Pending callbacks per owner; read from the outbox on first use, then moved by `schedule` and `report`. */
  private pendingBy: Map<string, number> | null = null;
  /** When the next try may go (ms epoch), null: none; undefined: not read yet. Kept so ticks without callbacks query nothing. */
  private dueAt: number | null | undefined;

  constructor(
    sql: SqlAdapter,
    random: () => number,
    newId: () => string,
    log: typeof logEvent,
    limits: CallbackLimits = DEFAULT_CALLBACK_LIMITS,
  ) {
    this.sql = sql;
    this.queue = new CallbackQueue(sql);
    this.random = random;
    this.newId = newId;
    this.log = log;
    this.limits = limits;
  }

  /** A job completed: its callback (if it has one) is due now, under a fresh webhook-id. */
  schedule(jobId: string, now: number): void {
    const owner = this.queue.schedule(jobId, this.newId(), now);
    if (owner === null) return;
    if (this.pendingBy) this.pendingBy.set(owner, (this.pendingBy.get(owner) ?? 0) + 1);
    this.dueAt = undefined;
    this.log({ event: "callback_scheduled", jobId });
  }

  /** The tries that may go at `now`, each counted and leased; `view` reads the job document they carry. */
  due(now: number, view: (jobId: string) => JobView): CallbackTask[] {
    this.release(now);
    const at = this.nextAt();
    if (at === null || at > now) return [];
    this.dueAt = undefined;
    const picked: DueCallbackRow[] = [];
    // Passed-over owners' rows are left out of the next read, so a caller at its cap never hides the others.
    for (;;) {
      const free = this.limits.inFlight - this.out.size - picked.length;
      if (free <= 0) break;
      const counts = this.outBy(picked);
      const rows = this.queue.due(now, free, this.capped(counts));
      if (rows.length === 0) break;
      const chosen = pickCallbacks(rows, counts, this.limits);
      picked.push(...chosen);
      if (chosen.length === rows.length) break;
    }
    if (picked.length === 0) return [];
    return this.sql.bookkeeping(() =>
      picked.map((row) => {
        const until = now + CALLBACK_LEASE_MS;
        this.queue.lease(row.job_id, until);
        const attempt = row.callback_attempts + 1;
        this.out.set(row.job_id, { owner: row.owner, attempt, until });
        return {
          jobId: row.job_id,
          owner: row.owner,
          url: row.callback_url,
          webhookId: row.callback_id,
          body: JSON.stringify(view(row.job_id)),
          attempt,
        };
      }),
    );
  }

  /**
   * A try's ending; returns what became of the callback (`delivered`, `pending`, `failed`: given up). A
   * report for an older try (its lease ran out and it was handed out again) is ignored (null).
   */
  report(report: CallbackReport, now: number): CallbackStatus | null {
    const out = this.out.get(report.jobId);
    if (out?.attempt === report.attempt) this.out.delete(report.jobId);
    this.dueAt = undefined;
    const row = this.queue.pending(report.jobId);
    if (row?.callback_status !== "pending" || row.callback_attempts !== report.attempt || row.completed_at === null) {
      this.log({ event: "stale_callback_report", jobId: report.jobId, attempt: report.attempt });
      return null;
    }
    const next = decideCallback(
      report.delivered,
      report.attempt,
      row.completed_at,
      now,
      this.random(),
      callbackWindowMs(row.attempted),
    );
    this.sql.bookkeeping(() => this.queue.settle(report.jobId, next, report.delivered ? null : report.error));
    this.dueAt = undefined;
    if (next.status !== "pending" && this.pendingBy)
      this.pendingBy.set(row.owner, Math.max(0, (this.pendingBy.get(row.owner) ?? 0) - 1));
    this.log({
      event: "callback",
      jobId: report.jobId,
      attempt: report.attempt,
      next: next.status,
      error: report.error,
    });
    return next.status;
  }

  /** How many callbacks are pending now. */
  pendingCount(): number {
    return this.queue.pendingCount();
  }

  /**
   * When the next try may go (ms epoch), or null: the earliest due try of a caller below its cap, or,
   * while the cap (global or a caller's) holds tries back, the earliest lease on the wire to run out.
   */
  nextAt(): number | null {
    if (this.dueAt !== undefined) return this.dueAt;
    const leaseEnd = this.out.size === 0 ? null : Math.min(...[...this.out.values()].map((t) => t.until));
    if (this.out.size >= this.limits.inFlight) return (this.dueAt = leaseEnd);
    const capped = this.capped(this.outBy([]));
    const next = this.queue.nextAt(capped);
    // A capped caller's tries go when one of its tries ends: its report wakes the engine, or its lease runs out.
    this.dueAt = capped.length > 0 && leaseEnd !== null ? Math.min(next ?? leaseEnd, leaseEnd) : next;
    return this.dueAt;
  }

  /** Callbacks of `owner` that are due and not yet delivered (or given up). */
  pendingOf(owner: string): number {
    this.pendingBy ??= this.queue.pendingByOwner();
    return this.pendingBy.get(owner) ?? 0;
  }

  /** When `owner`'s earliest pending callback is tried next (ms epoch), or null. */
  nextTryOf(owner: string): number | null {
    return this.queue.nextOf(owner);
  }

  /** Tries on the wire now (for the status and tests). */
  get inFlight(): number {
    return this.out.size;
  }

  /** Forgets tries whose lease ran out unreported: their rows are due again. */
  private release(now: number): void {
    for (const [jobId, out] of this.out) {
      if (out.until <= now) {
        this.out.delete(jobId);
        this.dueAt = undefined;
      }
    }
  }

  private outBy(picked: readonly { owner: string }[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { owner } of [...this.out.values(), ...picked]) counts.set(owner, (counts.get(owner) ?? 0) + 1);
    return counts;
  }

  private capped(counts: ReadonlyMap<string, number>): string[] {
    return [...counts].filter(([, n]) => n >= this.limits.perCallerInFlight).map(([owner]) => owner);
  }
}
