/**
 * The dispatcher engine: one per Alipay clientId, runtime-free. It owns the outbox and decides, with the
 * pure steps (`planSends`, and `settleAttempt` as sending.ts applies it) and the clock its host passes
 * in, which batch leaves when and how each attempt settles. Hosts (a Durable Object, a Deno or Node
 * process, a test) give it a SQL adapter, call `tick` when woken, hand the returned tasks to senders,
 * and feed reports back.
 */
import type { WireBatch } from "../core/batch";
import { newReqMsgId } from "../core/envelope";
import { logEvent } from "../log";
import { Callbacks, newWebhookId } from "./callbacks";
import { admittedEta, backlogRefusal, priorJob } from "./decide/admission";
import { type BreakerState, CLOSED, type Hold, hold } from "./decide/breaker";
import { dedupBatches } from "./decide/dedup";
import { type PacerState, paceSnapshot } from "./decide/pacer";
import { planSends, type Slot } from "./decide/plan";
import { relayOutcome } from "./decide/result";
import { pruneStep, restore } from "./housekeeping";
import { type SendingState, type SettlementContext, settleInFlight, settleLate } from "./sending";
import type { EngineSettings } from "./settings";
import { AttemptStats } from "./stats";
import { DedupKeys } from "./store/dedup-keys";
import { type Ended, Outbox } from "./store/outbox";
import type { DueBatch, NewJob } from "./store/rows";
import type { SqlAdapter } from "./store/sql";
import { degradedReasons, etaSeconds, queuedJobView, readJob, statusView } from "./views";
import { Waiters } from "./waiters";
import type {
  CallbackReport,
  CallbackTask,
  CancelResult,
  DegradedReason,
  DispatcherStatus,
  JobView,
  SendReport,
  SendTask,
  SubmitRequest,
  SubmitResult,
} from "./api";

/** Extra time a sender gets beyond the send timeout to report back, ms. */
export const LEASE_GRACE_MS = 5_000;

/** What an engine may be given instead of the real thing (tests pass fixed ones). */
export interface EngineDeps {
  random?: () => number;
  newReqMsgId?: () => string;
  newWebhookId?: () => string;
  log?: typeof logEvent;
}

/**
 * What one tick decided: the tasks to hand to senders now, the completion callbacks to send now (not
 * paced: they go to callers, not to AlipayHK), and when to tick again at the latest (ms epoch).
 */
export interface Tick {
  tasks: SendTask[];
  callbacks: CallbackTask[];
  wakeAt: number;
}

/** The engine over one outbox. Call `open` once before anything else. */
export class Engine {
  private readonly outbox: Outbox;
  private readonly dedupKeys: DedupKeys;
  private readonly callbacks: Callbacks;
  private readonly random: () => number;
  private readonly newReqMsgId: () => string;
  private readonly log: typeof logEvent;
  private readonly waiters = new Waiters();
  private readonly settling: SettlementContext;
  /** The pace, the breaker, probes and figures, as settlement (sending.ts) moves them. */
  private readonly live: SendingState = {
    pacer: undefined as unknown as PacerState, // set by open()
    breaker: CLOSED,
    probes: new Set<number>(),
    stats: new AttemptStats(),
  };
  private mismatch: Hold | null = null;
  private nextPruneAt = 0;
  /**
   * Whether any open batch has a deadline: only then does a tick look for expiries, so that work
   * without policies pays no extra query between planning a slot and handing the batch over.
   */
  private deadlines = false;

  readonly sql: SqlAdapter;
  readonly settings: EngineSettings;

  constructor(sql: SqlAdapter, settings: EngineSettings, deps: EngineDeps = {}) {
    this.sql = sql;
    this.settings = settings;
    this.outbox = new Outbox(sql);
    this.dedupKeys = new DedupKeys(sql);
    this.random = deps.random ?? Math.random;
    this.newReqMsgId = deps.newReqMsgId ?? newReqMsgId;
    this.log = deps.log ?? logEvent;
    this.callbacks = new Callbacks(sql, this.random, deps.newWebhookId ?? newWebhookId, this.log);
    this.settling = { sql, outbox: this.outbox, settings, random: this.random, log: this.log };
  }

  /** Migrates the outbox, pins the clientId, and loads what survives a restart (counters, pace, holds). */
  open(now: number): this {
    ({ mismatch: this.mismatch, breaker: this.live.breaker, deadlines: this.deadlines, pacer: this.live.pacer } =
      restore(this.sql, this.outbox, this.settings, now, this.log));
    return this;
  }

  /**
   * Stores an accepted request (job and batches) before the caller answers 202. With `staged`, its
   * batches were stored ahead by `stage` (see `DispatcherService.submit`): they become queued with the job, or are
   * dropped if the request is refused.
   */
  submit(request: SubmitRequest, now: number, options: { staged?: boolean } = {}): SubmitResult {
    const staged = options.staged === true;
    const prior = this.prior(request, now);
    if (prior) return this.refuse(request, prior, staged);
    const dedup = this.deduplicate(request, now);
    const batches = dedup.batches;
    const full = this.backlogFull(batches.length, now);
    if (full) return this.refuse(request, full, staged);
    this.sql.transaction(() => {
      this.outbox.insertJob(newJob(request, dedup.deduplicated, now), batches, staged);
      this.dedupKeys.remember(request.owner, dedup.accepted, request.jobId, now);
    });
    if (request.expiresAt !== undefined && batches.length > 0) this.deadlines = true;
    const queued = batches.reduce((n, b) => n + b.size, 0);
    this.log({ event: "job_accepted", jobId: request.jobId, total: queued + dedup.deduplicated, batches: batches.length, deduplicated: dedup.deduplicated });
    if (batches.length === 0) {
      // Every notification was a duplicate: the job is complete as stored.
      this.completed(request.jobId, now);
      return { kind: "created", job: this.view(request.jobId), estimatedSeconds: 0 };
    }
    // Described as stored (queued), without reading it back.
    const estimatedSeconds = admittedEta(request, batches, this.etaSeconds(now), this.liveRps(now), now);
    return { kind: "created", job: queuedJobView(request, batches, dedup.deduplicated, now), estimatedSeconds };
  }

  /** What `submit` would answer without storing anything (the job exists, a conflict, a full backlog), or null. */
  precheck(request: SubmitRequest, now: number): SubmitResult | null {
    return this.prior(request, now) ?? this.backlogFull(request.batches.length, now);
  }

  /** Stores some of a large request's batches ahead of its `submit`, not yet queued (see `DispatcherService.submit`). */
  stage(request: SubmitRequest, firstSeq: number, batches: readonly WireBatch[]): void {
    this.outbox.stageBatches(request.jobId, firstSeq, batches, { expiresAt: request.expiresAt ?? null, onUnknown: request.onUnknown ?? "retry" });
  }

  /** Drops what `stage` stored for a request that will not be submitted. */
  dropStaged(jobId: string): void {
    this.outbox.dropStaged(jobId);
  }

  /**
   * Cancels what of a job has not started: its queued batches end `cancelled`; batches in flight finish.
   * A job already completed is left as it is (`completed`); another owner's job is `not-found`.
   */
  cancel(owner: string | null, jobId: string, now: number): CancelResult {
    const job = this.outbox.job(jobId);
    if (!job || (owner !== null && job.owner !== owner)) return { kind: "not-found" };
    if (job.completed_at !== null) return { kind: "completed", job: this.view(jobId) };
    const ended = this.sql.transaction(() => this.outbox.cancelQueued(jobId, now));
    this.ended(ended, "job_cancelled", now);
    return { kind: "cancelled", job: this.view(jobId) };
  }

  /** A host's report of one completion callback try. */
  callbackReport(report: CallbackReport, now: number): void {
    this.callbacks.report(report, now);
  }

  /** Expires lost leases, prunes a chunk when due, and hands out the sends the pace allows now. */
  tick(now: number): Tick {
    for (const lost of this.outbox.expiredLeases(now)) {
      const detail = "the sender did not report back before its lease ran out; AlipayHK may have the request";
      const outcome = relayOutcome("lost", lost.req_msg_id ?? "", detail, now);
      if (settleInFlight(this.settling, this.live, lost, outcome, now)) this.completed(lost.job_id, now);
    }
    if (now >= this.nextPruneAt) this.prune(now);
    if (this.deadlines) {
      for (const ended of this.sql.transaction(() => this.outbox.expireDue(now))) this.ended(ended, "batches_expired", now);
    }

    const capacity = Math.max(0, this.settings.maxInFlight - this.outbox.counts.inFlight);
    const held = this.mismatch ? { hold: this.mismatch, run: null } : this.live.breaker;
    const input = { capacity, pacer: this.live.pacer, breaker: held, probesInFlight: this.live.probes.size, now, leadMs: this.settings.leadMs, handoverMs: this.settings.handoverMs };
    // The slots the pace, the breaker and the cap allow now come first: only that many batches are read,
    // and a tick woken by a report between slots (most of them) reads none.
    const room = planSends({ ...input, due: capacity }, this.settings.pacer);
    const due = room.slots.length > 0 ? this.outbox.due(now, room.slots.length) : [];
    const plan = due.length === room.slots.length ? room : planSends({ ...input, due: due.length }, this.settings.pacer);
    this.live.pacer = plan.pacer;
    const tasks: SendTask[] = [];
    if (plan.slots.length > 0) {
      this.sql.transaction(() => {
        plan.slots.forEach((slot, i) => {
          const batch = due[i] as DueBatch;
          // Its slot falls at or after its deadline: it is not sent; the next tick expires it.
          if (batch.expires_at !== null && slot.at >= batch.expires_at) return;
          tasks.push(this.dispatch(batch, slot));
          if (slot.probe) this.live.probes.add(batch.batch_id);
        });
      });
    }

    const times: number[] = [this.nextPruneAt];
    if (plan.retryAt !== null) times.push(plan.retryAt);
    else if (capacity > plan.slots.length && !held.hold) {
      const dueAt = this.outbox.nextDueAt();
      if (dueAt !== null) times.push(Math.max(dueAt, now + 1));
    }
    const lease = this.outbox.nextLeaseExpiry();
    if (lease !== null) times.push(lease + 1);
    // Deadlines pass while paused too: a held backlog still expires on time.
    const expiry = this.deadlines ? this.outbox.nextExpiry() : null;
    if (expiry !== null) times.push(Math.max(expiry, now + 1));
    // No queued deadline left: unless a batch with one is still on the wire (it may be requeued), stop looking.
    else if (this.deadlines) this.deadlines = this.outbox.hasDeadlines();
    const callbacks = this.callbacks.due(now, (id) => this.view(id));
    const callbackAt = this.callbacks.nextAt();
    if (callbackAt !== null) times.push(Math.max(callbackAt, now + 1));
    return { tasks, callbacks, wakeAt: Math.min(...times) };
  }

  /** A sender's report of one attempt. Reports for an attempt that is no longer current are ignored. */
  report(report: SendReport, now: number): void {
    const batch = this.outbox.batch(report.batchId);
    if (batch && batch.req_msg_id === report.reqMsgId) {
      if (batch.state === "in_flight") {
        if (settleInFlight(this.settling, this.live, batch, report.outcome, now)) this.completed(batch.job_id, now);
        return;
      }
      if (batch.state === "queued" && batch.result_code === "LOST_IN_FLIGHT") {
        if (settleLate(this.settling, this.live, batch, report.outcome, now)) this.completed(batch.job_id, now);
        return;
      }
    }
    this.log({ event: "stale_report", batchId: report.batchId, reqMsgId: report.reqMsgId });
  }

  /** The job if it exists and `owner` may see it (null: an admin, who sees every job). */
  job(owner: string | null, jobId: string): JobView | null {
    const job = this.outbox.job(jobId);
    if (!job || (owner !== null && job.owner !== owner)) return null;
    return this.view(jobId);
  }

  /**
   * Resolves with the job once it completes, or as it stands after `timeoutMs` (null if `owner` may not
   * see it): a waiter is woken by the settlement that completes the job, it never polls.
   */
  async waitFor(owner: string | null, jobId: string, timeoutMs: number): Promise<JobView | null> {
    const job = this.job(owner, jobId);
    if (!job || job.status === "completed") return job;
    await this.waiters.wait(jobId, timeoutMs);
    return this.job(owner, jobId);
  }

  /** Live pace, backlog, holds and recent results; recent jobs are `owner`'s only (null: everyone's). */
  status(owner: string | null, now: number): DispatcherStatus {
    const live = { pacer: this.live.pacer, hold: this.mismatch ?? this.live.breaker.hold, counts: this.outbox.counts, stats: this.live.stats };
    return statusView(this.outbox, live, this.settings, owner, now);
  }

  /** Why sending is impaired (held, or storage nearly full); empty while all is well. */
  health(): DegradedReason[] {
    return degradedReasons(this.mismatch ?? this.live.breaker.hold, this.sql.databaseBytes(), this.settings.storageCapBytes);
  }

  /** Holds all sending until `resume` (accepted work still queues); `by` names the operator (an owner id). */
  pause(reason: string, now: number, by?: string): void {
    this.setBreaker(hold("paused", reason, now, by));
    this.log({ event: "sending_paused", reason, by: by ?? null });
  }

  /** Lifts an operator's pause or an open breaker: sending resumes at the pace. */
  resume(): void {
    this.setBreaker(CLOSED);
    this.log({ event: "sending_resumed" });
  }

  private prior(request: SubmitRequest, now: number): SubmitResult | null {
    const byKey = request.idempotencyKey === undefined ? null : this.outbox.jobByIdempotencyKey(request.owner, request.idempotencyKey);
    const byWebhook = request.webhookId === undefined || byKey ? null : this.outbox.jobByWebhookId(request.webhookId);
    const prior = priorJob(request, byKey, byWebhook);
    if (prior?.kind === "existing") return { kind: "existing", job: this.view(prior.jobId), estimatedSeconds: this.etaSeconds(now) };
    return prior;
  }

  private backlogFull(adding: number, now: number): SubmitResult | null {
    const { queued, inFlight } = this.outbox.counts;
    return backlogRefusal(queued + inFlight, adding, this.settings.maxBacklogBatches, this.liveRps(now));
  }

  private refuse(request: SubmitRequest, result: SubmitResult, staged: boolean): SubmitResult {
    if (staged) this.outbox.dropStaged(request.jobId);
    return result;
  }

  private dispatch(batch: DueBatch, slot: Slot): SendTask {
    const reqMsgId = this.newReqMsgId();
    const { at, countedAt } = slot;
    this.outbox.markInFlight(batch, reqMsgId, countedAt, countedAt + this.settings.sendTimeoutMs + LEASE_GRACE_MS);
    return {
      clientId: this.settings.clientId,
      batchId: batch.batch_id,
      reqMsgId,
      merchantId: batch.merchant_id,
      notificationInfos: this.outbox.payload(batch.batch_id),
      notBefore: at,
      // Lateness up to the pace guard is what the window's margin absorbs; later would bunch up. Never
      // at or after the job's deadline: a request that would leave then stays home.
      notAfter: Math.min(countedAt + (this.settings.pacer.guardMs ?? 20), (batch.expires_at ?? Number.POSITIVE_INFINITY) - 1),
    };
  }

  /** Queued batches ended without a send (cancelled, expired): the counts move; the job may complete. */
  private ended(ended: Ended, event: string, now: number): void {
    this.log({ event, jobId: ended.jobId, batches: ended.batches, notifications: ended.notifications });
    if (ended.completed) this.completed(ended.jobId, now);
  }

  private completed(jobId: string, now: number): void {
    const job = this.outbox.job(jobId);
    this.log({ event: "job_completed", jobId, succeeded: job?.succeeded ?? 0, failed: job?.failed ?? 0 });
    this.sql.transaction(() => this.callbacks.schedule(jobId, now));
    this.waiters.completed(jobId);
  }

  private prune(now: number): void {
    this.nextPruneAt = pruneStep(this.outbox, this.dedupKeys, this.settings, now);
  }

  private setBreaker(state: BreakerState): void {
    this.live.breaker = state;
    this.live.probes.clear();
    this.outbox.setMeta("hold", state.hold);
  }

  private view(jobId: string): JobView {
    return readJob(this.outbox, jobId);
  }

  /** Seconds until the backlog is sent at the live rate. */
  private etaSeconds(now: number): number {
    return etaSeconds(this.outbox.counts, this.liveRps(now));
  }

  private liveRps(now: number): number {
    return paceSnapshot(this.live.pacer, this.settings.pacer, now).liveRps;
  }

  /** Drops the caller's notifications whose dedupKey was accepted within the window (or earlier in this request). */
  private deduplicate(request: SubmitRequest, now: number) {
    const keys = request.batches.flatMap((b) => (b.dedupKeys ?? []).filter((k): k is string => k !== null));
    const seen = keys.length === 0 ? new Set<string>() : this.dedupKeys.seen(request.owner, keys, now - this.settings.dedupWindowMs);
    return dedupBatches(request.batches, (key) => seen.has(key));
  }
}

/** The job row a request is stored as. */
function newJob(request: SubmitRequest, deduplicated: number, now: number): NewJob {
  return {
    job_id: request.jobId,
    owner: request.owner,
    idempotency_key: request.idempotencyKey ?? null,
    webhook_id: request.webhookId ?? null,
    body_hash: request.bodyHash,
    merchant_id: request.merchantId,
    created_at: now,
    deduplicated,
    send_after: request.sendAfter ?? null,
    expires_at: request.expiresAt ?? null,
    on_unknown: request.onUnknown ?? "retry",
    callback_url: request.callbackUrl ?? null,
  };
}
