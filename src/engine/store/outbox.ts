/**
 * The durable outbox: every accepted job, its notifications in runs (with their wire text in payloads),
 * and every request they rode on, in SQLite through the engine's SQL adapter. Only the engine writes it.
 *
 * The outbox owns the counts of open work (`counts`): each method that moves notifications into or out
 * of the queue or the wire moves them by what its own statements changed (their RETURNING rows), and a
 * job's counters move in the same transaction, from the same rows. Nothing keeps a second copy.
 */
import type { WireBatch } from "../../core/batch";
import type { AttemptResult } from "../api";
import type { NotificationOutcome } from "../metrics";
import type {
  FailedRunRow,
  JobPartRow,
  JobRow,
  NewJob,
  QueuedRunRow,
  RequestRow,
  RequestState,
  RunGroupRow,
} from "./rows";
import { type SqlAdapter, type SqlValue, one } from "./sql";

/** Queued and in-flight work: runs and notifications waiting, requests and notifications on the wire. */
export interface OpenCounts {
  queuedRuns: number;
  queuedNotifications: number;
  inFlightRequests: number;
  inFlightNotifications: number;
}

/** What ending some of a job's notifications without sending them did. */
export interface Ended {
  jobId: string;
  runs: number[];
  notifications: number;
  /** True when this completed the job. */
  completed: boolean;
  /** The places (`seq`, `count`) of the notifications among them that never left (their dedupKeys are forgotten). */
  unsent: { seq: number; count: number }[];
}

/** A request about to leave. */
export interface NewRequest {
  reqMsgId: string;
  merchantId: string;
  size: number;
  /** When it is counted as leaving (ms epoch), and until when it is the sender's. */
  sentAt: number;
  leaseUntil: number;
}

/** Part or all of a queued run taken for a request: `count` notifications from the run's start. */
export interface Take {
  runId: number;
  jobId: string;
  count: number;
  /** The whole run rides (else the part taken becomes its own run, and the rest stays queued). */
  whole: boolean;
  /** The run had never been sent: its job's `attempted` grows. */
  firstAttempt: boolean;
}

/** The decision for one group of a request's runs (see `RunGroupRow`). */
export interface GroupDecision {
  group: Pick<RunGroupRow, "attempts" | "budget_spent" | "traffic_requeues" | "at_most_once">;
  next:
    | { kind: "finish"; status: "succeeded" | "failed" }
    | { kind: "requeue"; at: number; front: boolean; spendsAttempt: boolean };
}

/** What settling a request changed. */
export interface Settled {
  /** Runs back in the queue, for the engine's in-memory queue. */
  requeued: QueuedRunRow[];
  /** Runs that ended here (succeeded or failed). */
  finished: number[];
  /** Jobs this settlement completed. */
  completed: string[];
  succeeded: number;
  failed: number;
}

// Durable Object SQL allows 100 bound parameters per statement.
const IDS_PER_STATEMENT = 98;
const RUN_COLUMNS = 7;
const RUNS_PER_INSERT = 14;
const QUEUED_RUN_COLUMNS =
  "r.run_id, r.job_id, j.owner, j.merchant_id, r.seq, r.count, r.payload_id, r.first, r.attempts, r.budget_spent, r.traffic_requeues, r.front, r.next_at, r.expires_at, r.at_most_once";
const OPEN = "('staged', 'queued', 'leased')";

/** A run that ended without a send, as its statement returns it. */
interface EndedRunRow {
  run_id: number;
  job_id: string;
  count: number;
  seq: number;
  attempts: number;
}

/** The job counters that count notifications ending (all but `attempted` and `deduplicated`, counted at insert). */
const ENDINGS = ["succeeded", "failed", "cancelled", "expired"] as const;

/** Per job, how many of its notifications moved to each counter. */
type JobDeltas = Map<string, Partial<Record<"succeeded" | "failed" | "cancelled" | "expired" | "attempted", number>>>;

/** The outbox over one SQLite database; `load` once it is migrated. */
export class Outbox {
  readonly sql: SqlAdapter;
  /** Open work, as the outbox's own writes moved it (counted once by `load`). */
  readonly counts: OpenCounts = {
    queuedRuns: 0,
    queuedNotifications: 0,
    inFlightRequests: 0,
    inFlightNotifications: 0,
  };
  /** Notifications the outbox's writes ended since it was opened, by how (moved with the jobs' counters; in memory only). */
  readonly ended: Record<NotificationOutcome, number> = {
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    expired: 0,
    deduplicated: 0,
  };

  constructor(sql: SqlAdapter) {
    this.sql = sql;
  }

  /** Counts the open work once, when the engine opens the outbox, and returns the queued runs (no text). */
  load(): QueuedRunRow[] {
    const queued = this.sql.exec<QueuedRunRow>(
      `SELECT ${QUEUED_RUN_COLUMNS} FROM runs r JOIN jobs j ON j.job_id = r.job_id WHERE r.state = 'queued' ORDER BY j.created_at, r.seq`,
    );
    const wire = one<{ n: number; size: number | null }>(
      this.sql,
      "SELECT COUNT(*) AS n, SUM(size) AS size FROM requests WHERE state = 'in_flight'",
    );
    Object.assign(this.counts, {
      queuedRuns: queued.length,
      queuedNotifications: queued.reduce((n, r) => n + r.count, 0),
      inFlightRequests: wire?.n ?? 0,
      inFlightNotifications: wire?.size ?? 0,
    });
    return queued;
  }

  /** The job `owner` created under `idempotencyKey`, if any. */
  jobByIdempotencyKey(owner: string, idempotencyKey: string): JobRow | null {
    return one<JobRow>(this.sql, "SELECT * FROM jobs WHERE owner = ? AND idempotency_key = ?", owner, idempotencyKey);
  }

  /** The job a webhook-id created, if that job still exists. */
  jobByWebhookId(webhookId: string): JobRow | null {
    return one<JobRow>(this.sql, "SELECT * FROM jobs WHERE webhook_id = ?", webhookId);
  }

  /** A job by id (ownership is checked by the caller). */
  job(jobId: string): JobRow | null {
    return one<JobRow>(this.sql, "SELECT * FROM jobs WHERE job_id = ?", jobId);
  }

  /**
   * Stores a job and its notifications (a run per batch), due at `created_at` or `send_after` if later
   * (the caller wraps this in a transaction); returns the runs now queued. `deduplicated` notifications
   * count in `total` but have no run; a job left with none is completed at once. With `staged`, the runs
   * were stored ahead (`stageBatches`) and are only made queued here.
   */
  insertJob(job: NewJob, batches: readonly WireBatch[], staged = false): QueuedRunRow[] {
    const notifications = batches.reduce((n, b) => n + b.size, 0);
    this.sql.exec(
      `INSERT INTO jobs (job_id, owner, idempotency_key, webhook_id, body_hash, merchant_id, total, created_at,
         completed_at, deduplicated, send_after, expires_at, on_unknown, callback_url)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      job.job_id,
      job.owner,
      job.idempotency_key,
      job.webhook_id,
      job.body_hash,
      job.merchant_id,
      notifications + job.deduplicated,
      job.created_at,
      batches.length === 0 ? job.created_at : null,
      job.deduplicated,
      job.send_after,
      job.expires_at,
      job.on_unknown,
      job.callback_url,
    );
    this.ended.deduplicated += job.deduplicated;
    const dueAt = Math.max(job.created_at, job.send_after ?? 0);
    if (staged)
      this.sql.exec(
        "UPDATE runs SET state = 'queued', next_at = ? WHERE job_id = ? AND state = 'staged'",
        dueAt,
        job.job_id,
      );
    else
      this.insertRuns(job.job_id, 0, batches, {
        state: "queued",
        nextAt: dueAt,
        expiresAt: job.expires_at,
        onUnknown: job.on_unknown,
      });
    const queued = this.sql.exec<QueuedRunRow>(
      `SELECT ${QUEUED_RUN_COLUMNS} FROM runs r JOIN jobs j ON j.job_id = r.job_id WHERE r.job_id = ? AND r.state = 'queued' ORDER BY r.seq`,
      job.job_id,
    );
    this.counts.queuedRuns += queued.length;
    this.counts.queuedNotifications += queued.reduce((n, r) => n + r.count, 0);
    return queued;
  }

  /** Stores some of a large request's batches ahead of its job, as `staged` runs: stored, not yet queued. */
  stageBatches(
    jobId: string,
    firstSeq: number,
    batches: readonly WireBatch[],
    policies: { expiresAt: number | null; onUnknown: string },
  ): void {
    // A staged slice lost with a power failure is no loss: the job is stored (durably) only at the end.
    this.sql.bookkeeping(() => this.insertRuns(jobId, firstSeq, batches, { state: "staged", nextAt: 0, ...policies }));
  }

  /** Drops the staged runs of `jobId` (and their payloads), or with null every staged run (what an instance that died left). */
  dropStaged(jobId: string | null): number {
    return this.sql.bookkeeping(() => {
      const where = jobId === null ? "state = 'staged'" : "state = 'staged' AND job_id = ?";
      const params = jobId === null ? [] : [jobId];
      this.sql.exec(`DELETE FROM payloads WHERE payload_id IN (SELECT payload_id FROM runs WHERE ${where})`, ...params);
      return this.sql.exec(`DELETE FROM runs WHERE ${where} RETURNING run_id`, ...params).length;
    });
  }

  /**
   * Puts a request on the wire: stores it and leases the runs it takes (a run taken in part is split:
   * the part taken becomes a new leased run, the rest stays queued). Returns the request's id.
   */
  dispatch(request: NewRequest, takes: readonly Take[]): number {
    const requestId = this.sql.exec<{ request_id: number }>(
      `INSERT INTO requests (req_msg_id, merchant_id, size, state, sent_at, lease_until) VALUES (?, ?, ?, 'in_flight', ?, ?) RETURNING request_id`,
      request.reqMsgId,
      request.merchantId,
      request.size,
      request.sentAt,
      request.leaseUntil,
    )[0]?.request_id as number;
    const whole = takes.filter((t) => t.whole).map((t) => t.runId);
    for (let start = 0; start < whole.length; start += IDS_PER_STATEMENT) {
      const chunk = whole.slice(start, start + IDS_PER_STATEMENT);
      this.sql.exec(
        `UPDATE runs SET state = 'leased', request_id = ?, attempts = attempts + 1, front = 0 WHERE run_id IN (${chunk.map(() => "?").join(", ")})`,
        requestId,
        ...chunk,
      );
    }
    for (const take of takes) {
      if (take.whole) continue;
      this.sql.exec(
        `INSERT INTO runs (job_id, seq, count, payload_id, first, state, attempts, budget_spent, traffic_requeues, front, next_at,
           expires_at, at_most_once, request_id)
         SELECT job_id, seq, ?, payload_id, first, 'leased', attempts + 1, budget_spent, traffic_requeues, 0, next_at,
           expires_at, at_most_once, ?
         FROM runs WHERE run_id = ?`,
        take.count,
        requestId,
        take.runId,
      );
      this.sql.exec(
        "UPDATE runs SET seq = seq + ?, first = first + ?, count = count - ? WHERE run_id = ?",
        take.count,
        take.count,
        take.count,
        take.runId,
      );
    }
    const attempted: JobDeltas = new Map();
    for (const take of takes) if (take.firstAttempt) add(attempted, take.jobId, "attempted", take.count);
    this.bumpJobs(attempted, null);
    this.counts.queuedRuns -= whole.length;
    this.counts.queuedNotifications -= request.size;
    this.counts.inFlightRequests += 1;
    this.counts.inFlightNotifications += request.size;
    return requestId;
  }

  /** The wire text of payloads and how many notifications each holds, by id. */
  payloadTexts(payloadIds: readonly number[]): Map<number, { infos: string; count: number }> {
    const texts = new Map<number, { infos: string; count: number }>();
    const ids = [...new Set(payloadIds)];
    for (let start = 0; start < ids.length; start += IDS_PER_STATEMENT) {
      const chunk = ids.slice(start, start + IDS_PER_STATEMENT);
      const rows = this.sql.exec<{ payload_id: number; infos: string; count: number }>(
        `SELECT payload_id, infos, count FROM payloads WHERE payload_id IN (${chunk.map(() => "?").join(", ")})`,
        ...chunk,
      );
      for (const row of rows) texts.set(row.payload_id, { infos: row.infos, count: row.count });
    }
    return texts;
  }

  /** A request by id. */
  request(requestId: number): RequestRow | null {
    return one<RequestRow>(this.sql, "SELECT * FROM requests WHERE request_id = ?", requestId);
  }

  /** The runs on a request in `state`, grouped by what they spent before: settlement decides once per group. */
  runGroups(requestId: number, state: "leased" | "queued"): RunGroupRow[] {
    return this.sql.exec<RunGroupRow>(
      `SELECT attempts, budget_spent, traffic_requeues, at_most_once, SUM(count) AS notifications, MIN(run_id) AS lead
       FROM runs WHERE request_id = ? AND state = ? GROUP BY attempts, budget_spent, traffic_requeues, at_most_once`,
      requestId,
      state,
    );
  }

  /**
   * Settles a request on the wire: its answer is recorded (`lost` when its sender never reported), and
   * each group of its runs ends or goes back in the queue as decided. `held`: it never left (a missed
   * slot), so its try is not counted. `departed`: when it really left, if later than planned.
   */
  settle(
    requestId: number,
    ending: {
      state: Exclude<RequestState, "in_flight">;
      result: AttemptResult;
      departed: number | null;
      held: boolean;
    },
    decisions: readonly GroupDecision[],
    now: number,
  ): Settled {
    const { result } = ending;
    const size = one<{ size: number }>(
      this.sql,
      `UPDATE requests SET state = ?, lease_until = NULL, result_status = ?, result_code = ?, result_msg = ?, sent_at = COALESCE(?, sent_at)
       WHERE request_id = ? AND state = 'in_flight' RETURNING size`,
      ending.state,
      result.resultStatus,
      result.resultCode,
      result.resultMsg,
      ending.departed,
      requestId,
    )?.size;
    if (size === undefined) return { requeued: [], finished: [], completed: [], succeeded: 0, failed: 0 };
    const settled: Settled = { requeued: [], finished: [], completed: [], succeeded: 0, failed: 0 };
    const deltas: JobDeltas = new Map();
    for (const { group, next } of decisions) {
      const where =
        "request_id = ? AND state = 'leased' AND attempts = ? AND budget_spent = ? AND traffic_requeues = ? AND at_most_once = ?";
      const key = [requestId, group.attempts, group.budget_spent, group.traffic_requeues, group.at_most_once];
      if (next.kind === "finish") {
        this.finishRuns(where, key, next.status, result, deltas, settled);
        continue;
      }
      const ids = this.sql.exec<{ run_id: number }>(
        `UPDATE runs SET state = 'queued', result_status = ?, result_code = ?, result_msg = ?, next_at = ?, front = ?,
           budget_spent = budget_spent + ?, traffic_requeues = traffic_requeues + ?, attempts = attempts - ?
         WHERE ${where} RETURNING run_id`,
        result.resultStatus,
        result.resultCode,
        result.resultMsg,
        next.at,
        next.front ? 1 : 0,
        next.spendsAttempt ? 1 : 0,
        result.resultClass === "traffic" ? 1 : 0,
        ending.held ? 1 : 0,
        ...key,
      );
      settled.requeued.push(...this.queuedRuns(ids.map((r) => r.run_id)));
    }
    settled.completed = this.bumpJobs(deltas, now);
    this.dropEndedPayloads(settled.finished);
    const requeued = settled.requeued.reduce((n, r) => n + r.count, 0);
    this.counts.inFlightRequests -= 1;
    this.counts.inFlightNotifications -= size;
    this.counts.queuedRuns += settled.requeued.length;
    this.counts.queuedNotifications += requeued;
    return settled;
  }

  /**
   * A late answer to a request lost in flight, while its runs wait for their resend: a success or a final
   * refusal is still the truth about them, so they end without a resend. Returns what ended.
   */
  settleLate(requestId: number, result: AttemptResult, status: "succeeded" | "failed", now: number): Settled {
    this.sql.exec(
      "UPDATE requests SET state = 'ended', result_status = ?, result_code = ?, result_msg = ? WHERE request_id = ? AND state = 'lost'",
      result.resultStatus,
      result.resultCode,
      result.resultMsg,
      requestId,
    );
    const settled: Settled = { requeued: [], finished: [], completed: [], succeeded: 0, failed: 0 };
    const deltas: JobDeltas = new Map();
    this.finishRuns("request_id = ? AND state = 'queued'", [requestId], status, result, deltas, settled);
    settled.completed = this.bumpJobs(deltas, now);
    this.dropEndedPayloads(settled.finished);
    this.counts.queuedRuns -= settled.finished.length;
    this.counts.queuedNotifications -= settled.succeeded + settled.failed;
    return settled;
  }

  /** The requests on the wire that carry `owner`'s notifications, and how many of its notifications they carry. */
  onTheWire(owner: string): { requests: number; notifications: number } {
    // From the requests on the wire (a handful, by their partial index), not from the owner's jobs (a week of them).
    return (
      one<{ requests: number; notifications: number }>(
        this.sql,
        `SELECT COUNT(DISTINCT q.request_id) AS requests, COALESCE(SUM(r.count), 0) AS notifications
         FROM requests q JOIN runs r ON r.request_id = q.request_id AND r.state = 'leased' JOIN jobs j ON j.job_id = r.job_id
         WHERE q.state = 'in_flight' AND j.owner = ?`,
        owner,
      ) ?? { requests: 0, notifications: 0 }
    );
  }

  /** The callers whose notifications rode on a request. */
  ownersOn(requestId: number): string[] {
    return this.sql
      .exec<{ owner: string }>(
        "SELECT DISTINCT j.owner FROM runs r JOIN jobs j ON j.job_id = r.job_id WHERE r.request_id = ?",
        requestId,
      )
      .map((r) => r.owner);
  }

  /**
   * When the queued notification due longest ago fell due (ms epoch), or null when none is due at `now`;
   * `owner`'s only when given.
   */
  oldestDueAt(now: number, owner?: string): number | null {
    if (owner === undefined)
      return (
        one<{ at: number | null }>(
          this.sql,
          "SELECT MIN(next_at) AS at FROM runs WHERE state = 'queued' AND next_at <= ?",
          now,
        )?.at ?? null
      );
    return (
      one<{ at: number | null }>(
        this.sql,
        "SELECT MIN(r.next_at) AS at FROM runs r JOIN jobs j ON j.job_id = r.job_id WHERE r.state = 'queued' AND r.next_at <= ? AND j.owner = ?",
        now,
        owner,
      )?.at ?? null
    );
  }

  /** When the earliest lease runs out (ms epoch), or null. */
  nextLeaseExpiry(): number | null {
    return (
      one<{ at: number | null }>(this.sql, "SELECT MIN(lease_until) AS at FROM requests WHERE state = 'in_flight'")
        ?.at ?? null
    );
  }

  /** Requests whose lease ran out: their sender never reported back. */
  expiredLeases(now: number): RequestRow[] {
    return this.sql.exec<RequestRow>(
      "SELECT * FROM requests WHERE state = 'in_flight' AND lease_until < ? ORDER BY lease_until",
      now,
    );
  }

  /** Ends every queued run of a job as `cancelled` (runs on the wire finish on their own). */
  cancelQueued(jobId: string, now: number): Ended {
    const rows = this.sql.exec<EndedRunRow>(
      "UPDATE runs SET state = 'cancelled' WHERE job_id = ? AND state = 'queued' RETURNING run_id, job_id, count, seq, attempts",
      jobId,
    );
    return (
      this.endWithoutSending("cancelled", rows, now)[0] ?? {
        jobId,
        runs: [],
        notifications: 0,
        completed: false,
        unsent: [],
      }
    );
  }

  /** Ends every queued run whose deadline is at or before `now` as `expired`; one entry per job touched. */
  expireDue(now: number): Ended[] {
    const rows = this.sql.exec<EndedRunRow>(
      "UPDATE runs SET state = 'expired' WHERE state = 'queued' AND expires_at <= ? RETURNING run_id, job_id, count, seq, attempts",
      now,
    );
    return this.endWithoutSending("expired", rows, now);
  }

  /** The earliest deadline among queued runs (ms epoch), or null. */
  nextExpiry(): number | null {
    return (
      one<{ at: number | null }>(
        this.sql,
        "SELECT MIN(expires_at) AS at FROM runs WHERE state = 'queued' AND expires_at IS NOT NULL",
      )?.at ?? null
    );
  }

  /** True when a queued or leased run has a deadline. */
  hasDeadlines(): boolean {
    return (
      one(
        this.sql,
        "SELECT 1 AS x FROM runs WHERE expires_at IS NOT NULL AND state IN ('queued', 'leased') LIMIT 1",
      ) !== null
    );
  }

  /**
   * Where a job's notifications are: grouped by the request they last rode on, their state and their
   * attempts (so `notifications × attempts` adds up to the job's sends), not sent yet first, then newest
   * first, at most `limit` groups.
   */
  jobParts(jobId: string, limit: number): { parts: JobPartRow[]; omitted: number } {
    const parts = this.sql.exec<JobPartRow>(
      `SELECT r.state, SUM(r.count) AS notifications, r.attempts, r.request_id, q.req_msg_id,
         q.result_status AS result_status, q.result_code AS result_code, q.result_msg AS result_msg
       FROM runs r LEFT JOIN requests q ON q.request_id = r.request_id
       WHERE r.job_id = ? GROUP BY r.request_id, r.state, r.attempts
       ORDER BY r.request_id IS NOT NULL, r.request_id DESC, r.attempts DESC LIMIT ?`,
      jobId,
      limit + 1,
    );
    if (parts.length <= limit) return { parts, omitted: 0 };
    const all =
      one<{ n: number }>(
        this.sql,
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM runs WHERE job_id = ? GROUP BY request_id, state, attempts)",
        jobId,
      )?.n ?? 0;
    return { parts: parts.slice(0, limit), omitted: all - limit };
  }

  /** The failed runs of a job: their openIds and reason. */
  failures(jobId: string): FailedRunRow[] {
    return this.sql.exec<FailedRunRow>(
      "SELECT open_ids, result_code, result_msg FROM runs WHERE job_id = ? AND state = 'failed' ORDER BY seq",
      jobId,
    );
  }

  /** Request departures after `since` (ms epoch), ascending: the pacer's window after a restart. */
  sentSince(since: number): number[] {
    return this.sql
      .exec<{ sent_at: number }>("SELECT sent_at FROM requests WHERE sent_at > ? ORDER BY sent_at", since)
      .map((r) => r.sent_at);
  }

  /** The most recent jobs, newest first: `owner`'s only, or everyone's for null. */
  recentJobs(owner: string | null, limit: number): JobRow[] {
    return owner === null
      ? this.sql.exec<JobRow>("SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?", limit)
      : this.sql.exec<JobRow>("SELECT * FROM jobs WHERE owner = ? ORDER BY created_at DESC LIMIT ?", owner, limit);
  }

  /** When the oldest finished job finished (ms epoch), or null; jobs whose callback is still tried wait. */
  oldestCompletedAt(): number | null {
    return (
      one<{ at: number | null }>(
        this.sql,
        "SELECT MIN(completed_at) AS at FROM jobs WHERE completed_at IS NOT NULL AND callback_status IS NOT 'pending'",
      )?.at ?? null
    );
  }

  /**
   * Deletes up to `maxRows` runs of jobs finished before `before`, then those jobs once empty, then
   * requests no run points at any more. A job whose callback is still being tried stays (retention may
   * be shorter than the 24 h of tries). Returns the rows deleted; fewer than `maxRows` means nothing older is left.
   */
  prune(before: number, maxRows: number): number {
    const runs = this.sql.exec(
      `DELETE FROM runs WHERE run_id IN (
         SELECT r.run_id FROM jobs j JOIN runs r ON r.job_id = j.job_id
         WHERE j.completed_at IS NOT NULL AND j.completed_at < ? AND j.callback_status IS NOT 'pending' LIMIT ?) RETURNING run_id`,
      before,
      maxRows,
    ).length;
    const jobs = this.sql.exec(
      `DELETE FROM jobs WHERE job_id IN (
         SELECT j.job_id FROM jobs j WHERE j.completed_at IS NOT NULL AND j.completed_at < ? AND j.callback_status IS NOT 'pending'
           AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.job_id = j.job_id) LIMIT ?) RETURNING job_id`,
      before,
      maxRows,
    ).length;
    const requests = this.sql.exec(
      `DELETE FROM requests WHERE request_id IN (
         SELECT q.request_id FROM requests q WHERE q.state != 'in_flight' AND q.sent_at < ?
           AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.request_id = q.request_id) LIMIT ?) RETURNING request_id`,
      before,
      maxRows,
    ).length;
    return runs + jobs + requests;
  }

  /** A small JSON value kept beside the outbox. */
  getMeta<T>(key: string): T | null {
    const row = one<{ value: string }>(this.sql, "SELECT value FROM meta WHERE key = ?", key);
    return row ? (JSON.parse(row.value) as T) : null;
  }

  /** Stores a small JSON value beside the outbox (null deletes it). */
  setMeta(key: string, value: unknown): void {
    if (value === null) this.sql.exec("DELETE FROM meta WHERE key = ?", key);
    else {
      this.sql.exec(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        key,
        JSON.stringify(value),
      );
    }
  }

  /** Stores runs (and their payloads, one per batch) of a job from notification `firstSeq` on, in `state`. */
  private insertRuns(
    jobId: string,
    firstSeq: number,
    batches: readonly WireBatch[],
    at: { state: "queued" | "staged"; nextAt: number; expiresAt: number | null; onUnknown: string },
  ): void {
    const atMostOnce = at.onUnknown === "fail" ? 1 : 0;
    let seq = firstSeq;
    for (let start = 0; start < batches.length; start += RUNS_PER_INSERT) {
      const chunk = batches.slice(start, start + RUNS_PER_INSERT);
      const ids = this.sql.exec<{ payload_id: number }>(
        `INSERT INTO payloads (infos, count) VALUES ${chunk.map(() => "(?, ?)").join(", ")} RETURNING payload_id`,
        ...chunk.flatMap((b) => [b.infos, b.size]),
      );
      const params: SqlValue[] = [];
      chunk.forEach((batch, i) => {
        params.push(jobId, seq, batch.size, ids[i]?.payload_id ?? null, at.state, at.nextAt, at.expiresAt);
        seq += batch.size;
      });
      this.sql.exec(
        `INSERT INTO runs (job_id, seq, count, payload_id, state, next_at, expires_at, at_most_once)
         VALUES ${chunk.map(() => `(${Array.from({ length: RUN_COLUMNS }, () => "?").join(", ")}, ${atMostOnce})`).join(", ")}`,
        ...params,
      );
    }
  }

  /** Queued runs by id, as the in-memory queue keeps them. */
  private queuedRuns(runIds: readonly number[]): QueuedRunRow[] {
    const rows: QueuedRunRow[] = [];
    for (let start = 0; start < runIds.length; start += IDS_PER_STATEMENT) {
      const chunk = runIds.slice(start, start + IDS_PER_STATEMENT);
      rows.push(
        ...this.sql.exec<QueuedRunRow>(
          `SELECT ${QUEUED_RUN_COLUMNS} FROM runs r JOIN jobs j ON j.job_id = r.job_id WHERE r.run_id IN (${chunk.map(() => "?").join(", ")})`,
          ...chunk,
        ),
      );
    }
    return rows;
  }

  /** Ends the runs `where` selects as `status` (a failed run keeps its openIds); their jobs' counters move. */
  private finishRuns(
    where: string,
    params: SqlValue[],
    status: "succeeded" | "failed",
    result: AttemptResult,
    deltas: JobDeltas,
    settled: Settled,
  ): void {
    const failed = status === "failed";
    const rows = this.sql.exec<{ run_id: number; job_id: string; count: number }>(
      `UPDATE runs SET state = ?, result_status = ?, result_code = ?, result_msg = ?, budget_spent = budget_spent + 1,
         open_ids = CASE WHEN ? THEN (
           SELECT json_group_array(json_extract(e.value, '$.openId')) FROM payloads p, json_each(p.infos) e
           WHERE p.payload_id = runs.payload_id AND e.key >= runs.first AND e.key < runs.first + runs.count
         ) END
       WHERE ${where} RETURNING run_id, job_id, count`,
      status,
      result.resultStatus,
      result.resultCode,
      result.resultMsg,
      failed ? 1 : 0,
      ...params,
    );
    for (const row of rows) {
      add(deltas, row.job_id, status, row.count);
      settled.finished.push(row.run_id);
      if (failed) settled.failed += row.count;
      else settled.succeeded += row.count;
    }
  }

  // Runs ended without a send: their payloads go when unused, their jobs' counters move.
  private endWithoutSending(column: "cancelled" | "expired", rows: readonly EndedRunRow[], now: number): Ended[] {
    if (rows.length === 0) return [];
    const deltas: JobDeltas = new Map();
    const byJob = new Map<string, Ended>();
    for (const row of rows) {
      add(deltas, row.job_id, column, row.count);
      const ended = byJob.get(row.job_id) ?? {
        jobId: row.job_id,
        runs: [],
        notifications: 0,
        completed: false,
        unsent: [],
      };
      ended.runs.push(row.run_id);
      ended.notifications += row.count;
      // Never handed to a sender, or only for requests that never left (a missed slot gives its try back).
      if (row.attempts === 0) ended.unsent.push({ seq: row.seq, count: row.count });
      byJob.set(row.job_id, ended);
    }
    const completed = new Set(this.bumpJobs(deltas, now));
    const ids = rows.map((r) => r.run_id);
    this.dropEndedPayloads(ids);
    this.counts.queuedRuns -= rows.length;
    this.counts.queuedNotifications -= rows.reduce((n, r) => n + r.count, 0);
    return [...byJob.values()].map((ended) => ({ ...ended, completed: completed.has(ended.jobId) }));
  }

  /** Deletes the payloads of these (ended) runs that no open run still needs. */
  private dropEndedPayloads(runIds: readonly number[]): void {
    for (let start = 0; start < runIds.length; start += IDS_PER_STATEMENT) {
      const chunk = runIds.slice(start, start + IDS_PER_STATEMENT);
      this.sql.exec(
        `DELETE FROM payloads WHERE payload_id IN (SELECT payload_id FROM runs WHERE run_id IN (${chunk.map(() => "?").join(", ")}))
           AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.payload_id = payloads.payload_id AND o.state IN ${OPEN})`,
        ...chunk,
      );
    }
  }

  /**
   * Moves jobs' counters by `deltas`, in one statement per chunk of jobs; with `now`, a job whose every
   * notification has ended completes. Returns the jobs completed.
   */
  private bumpJobs(deltas: JobDeltas, now: number | null): string[] {
    const columns = ["succeeded", "failed", "cancelled", "expired", "attempted"] as const;
    const entries = [...deltas];
    const completed: string[] = [];
    const perStatement = Math.floor(IDS_PER_STATEMENT / (columns.length + 1));
    for (let start = 0; start < entries.length; start += perStatement) {
      const chunk = entries.slice(start, start + perStatement);
      const params: SqlValue[] = chunk.flatMap(([jobId, d]) => [jobId, ...columns.map((c) => d[c] ?? 0)]);
      const ended =
        "jobs.succeeded + d.succeeded + jobs.failed + d.failed + jobs.cancelled + d.cancelled + jobs.expired + d.expired + jobs.deduplicated";
      const rows = this.sql.exec<{ job_id: string; completed_at: number | null }>(
        `WITH d(job_id, ${columns.join(", ")}) AS (VALUES ${chunk.map(() => `(?, ${columns.map(() => "?").join(", ")})`).join(", ")})
         UPDATE jobs SET
           ${columns.map((c) => `${c} = jobs.${c} + (SELECT d.${c} FROM d WHERE d.job_id = jobs.job_id)`).join(", ")},
           completed_at = CASE WHEN completed_at IS NULL AND ? IS NOT NULL
             AND (SELECT ${ended} FROM d WHERE d.job_id = jobs.job_id) >= total THEN ? ELSE completed_at END
         WHERE job_id IN (SELECT job_id FROM d) RETURNING job_id, completed_at`,
        ...params,
        now,
        now,
      );
      for (const row of rows) if (now !== null && row.completed_at === now) completed.push(row.job_id);
    }
    for (const [, d] of entries) for (const outcome of ENDINGS) this.ended[outcome] += d[outcome] ?? 0;
    return completed;
  }
}

function add(
  deltas: JobDeltas,
  jobId: string,
  column: "succeeded" | "failed" | "cancelled" | "expired" | "attempted",
  n: number,
): void {
  const entry = deltas.get(jobId) ?? {};
  entry[column] = (entry[column] ?? 0) + n;
  deltas.set(jobId, entry);
}
