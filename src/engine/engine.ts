/**
 * The dispatcher engine: one per Alipay clientId, runtime-free. It owns the outbox and the queue in
 * memory, and decides, with the pure steps of decide/ and the clock its host passes in, when a request
 * leaves, which notifications it carries (assembled at the slot, shared fairly between callers and
 * jobs), and how each ending settles. Hosts (through `DispatcherService`) or a test give it a SQL
 * adapter, call `tick` when woken, hand the returned tasks to senders, and feed reports back.
 */
import type { WireBatch } from "../core/batch";
import { newReqMsgId } from "../core/envelope";
import { logEvent } from "../log";
import type {
  CallbackReport,
  CallbackTask,
  CancelResult,
  DegradedReason,
  DispatcherStatus,
  SourceEventRecord,
  JobView,
  JobWait,
  Refusal,
  SendReport,
  SendTask,
  SubmitRequest,
  SubmitResult,
} from "./api";
import { Callbacks, newWebhookId } from "./callbacks";
import {
  admitRuns,
  admittedEta,
  backlogShare,
  drainSeconds,
  priorJob,
  requestBytes,
  storageRetrySeconds,
} from "./decide/admission";
import { type BreakerState, CLOSED, type Hold, hold } from "./decide/breaker";
import type { CallbackStatus } from "./decide/callback-policy";
import { dedupBatches } from "./decide/dedup";
import { type PacerState, paceSnapshot, guardOf } from "./decide/pacer";
import { planSends, type Slot } from "./decide/plan";
import { relayOutcome } from "./decide/result";
import { pruneStep, restore } from "./housekeeping";
import { type Assembled, DueQueue, REQUEST_PLACES } from "./queue";
import { type SendingContext, type SendingState, dispatch, settleInFlight, settleLate } from "./sending";
import { DEFAULT_CALLBACK_LIMITS, type EngineSettings } from "./settings";
import type { EngineMetrics } from "./metrics";
import { AttemptStats } from "./stats";
import { DedupKeys } from "./store/dedup-keys";
import { type Ended, Outbox } from "./store/outbox";
import type { NewJob } from "./store/rows";
import { SourceEvents } from "./store/source-events";
import type { SqlAdapter } from "./store/sql";
import { type StatusScope, degradedReasons, queuedJobView, readJob, statusView } from "./views";
import { Waiters } from "./waiters";

export { LEASE_GRACE_MS } from "./sending";

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

/** A large request's room in the backlog and the outbox, held from its precheck until it is submitted or dropped. */
interface Staging {
  owner: string;
  runs: number;
  /** Bytes it is estimated to add in all, and those its slices already wrote. */
  bytes: number;
  written: number;
}

/** The engine over one outbox. Call `open` once before anything else. */
export class Engine {
  private readonly outbox: Outbox;
  private readonly dedupKeys: DedupKeys;
  private readonly callbacks: Callbacks;
  private readonly sourceEvents: SourceEvents;
  private readonly log: typeof logEvent;
  private readonly waiters = new Waiters();
  /** Open `Prefer: wait` waits per caller. */
  private readonly waits = new Map<string, number>();
  /** Large requests being stored a slice at a time, by job id: counted against the caps until they are accepted or dropped. */
  private readonly staging = new Map<string, Staging>();
  private readonly sending: SendingContext;
  /** The pace, the breaker, probes and figures, as settlement (sending.ts) moves them. */
  private readonly live: SendingState = {
    pacer: undefined as unknown as PacerState, // set by open()
    breaker: CLOSED,
    probes: new Set<number>(),
    stats: new AttemptStats(0), // restarted by open()
    ownerStats: new Map(),
    requestOwners: new Map(),
    missedInRow: 0,
  };
  private mismatch: Hold | null = null;
  private nextPruneAt = 0;
  /**
   * Whether any open run has a deadline: only then does a tick look for expiries, so that work without
   * policies pays no extra query between planning a slot and handing the request over.
   */
  private deadlines = false;

  readonly sql: SqlAdapter;
  readonly settings: EngineSettings;

  constructor(sql: SqlAdapter, settings: EngineSettings, deps: EngineDeps = {}) {
    this.sql = sql;
    this.settings = settings;
    this.outbox = new Outbox(sql);
    this.dedupKeys = new DedupKeys(sql);
    this.sourceEvents = new SourceEvents(sql);
    this.log = deps.log ?? logEvent;
    const random = deps.random ?? Math.random;
    this.callbacks = new Callbacks(
      sql,
      random,
      deps.newWebhookId ?? newWebhookId,
      this.log,
      settings.callbacks ?? DEFAULT_CALLBACK_LIMITS,
    );
    this.sending = {
      outbox: this.outbox,
      queue: this.newQueue(),
      settings,
      random,
      newReqMsgId: deps.newReqMsgId ?? newReqMsgId,
      log: this.log,
    };
  }

  /** Migrates the outbox, pins the clientId, and loads what survives a restart (the queue, counters, pace, holds). */
  open(now: number): this {
    const restored = restore(this.sql, this.outbox, this.settings, now, this.log);
    ({
      mismatch: this.mismatch,
      breaker: this.live.breaker,
      deadlines: this.deadlines,
      pacer: this.live.pacer,
    } = restored);
    this.sending.queue.add(restored.queued, now);
    this.live.stats = new AttemptStats(now);
    return this;
  }

  /**
   * Stores an accepted request (job and notifications) before the caller answers 202. With `staged`, its
   * notifications were stored ahead by `stage` (see `DispatcherService.submit`): they become queued with
   * the job, or are dropped if the request is refused.
   */
  submit(request: SubmitRequest, now: number, options: { staged?: boolean } = {}): SubmitResult {
    const staged = options.staged === true;
    // A staged request's room was held for it: now it takes it for real (or is refused).
    this.staging.delete(request.jobId);
    const prior = this.prior(request, now);
    if (prior) return this.refuse(request, prior, staged);
    const dedup = this.deduplicate(request, now);
    const batches = dedup.batches;
    // A staged request's rows are written already: the outbox's size counts them.
    const bytes = staged ? 0 : requestBytes(batches, dedup.accepted, request.owner, request.jobId);
    const refused = this.admit(request, batches.length, bytes, now);
    if (refused) return this.refuse(request, refused, staged);
    const { queued, forgotten } = this.sql.transaction(() => ({
      queued: this.outbox.insertJob(newJob(request, dedup.deduplicated, now), batches, staged),
      forgotten: this.dedupKeys.remember(request.owner, dedup.accepted, request.jobId, now, this.settings.maxDedupKeys),
    }));
    if (forgotten > 0)
      this.log({
        event: "dedup_keys_forgotten",
        owner: request.owner,
        keys: forgotten,
        reason: "RELAY_MAX_DEDUP_KEYS",
      });
    const etaSeconds = this.etaSeconds(request.owner, batches, now);
    this.sending.queue.add(queued, now);
    if (request.expiresAt !== undefined && batches.length > 0) this.deadlines = true;
    const notifications = batches.reduce((n, b) => n + b.size, 0);
    this.log({
      event: "job_accepted",
      jobId: request.jobId,
      total: notifications + dedup.deduplicated,
      deduplicated: dedup.deduplicated,
    });
    if (batches.length === 0) {
      // Every notification was a duplicate: the job is complete as stored.
      this.completed(request.jobId, now);
      return { kind: "created", job: this.view(request.jobId), estimatedSeconds: 0 };
    }
    // Described as stored (queued), without reading it back.
    const estimatedSeconds = admittedEta(request, batches, etaSeconds, this.liveRps(now), now);
    return { kind: "created", job: queuedJobView(request, notifications, dedup.deduplicated, now), estimatedSeconds };
  }

  /**
   * What `submit` would answer without storing anything (the job exists, a conflict, no room), or null:
   * then the request's room is held for it (counted against the backlog and the storage cap for every
   * other request) until it is submitted or its staged rows are dropped.
   */
  precheck(request: SubmitRequest, now: number): SubmitResult | null {
    const bytes = requestBytes(request.batches, [], request.owner, request.jobId);
    const refused = this.prior(request, now) ?? this.admit(request, request.batches.length, bytes, now);
    if (!refused)
      this.staging.set(request.jobId, { owner: request.owner, runs: request.batches.length, bytes, written: 0 });
    return refused;
  }

  /**
   * Stores some of a large request's notifications (its batches from `firstBatch` on) ahead of its
   * `submit`, not yet queued (see `DispatcherService.submit`).
   */
  stage(request: SubmitRequest, firstBatch: number, batches: readonly WireBatch[]): void {
    const firstSeq = request.batches.slice(0, firstBatch).reduce((n, b) => n + b.size, 0);
    this.outbox.stageBatches(request.jobId, firstSeq, batches, {
      expiresAt: request.expiresAt ?? null,
      onUnknown: request.onUnknown ?? "retry",
    });
    const held = this.staging.get(request.jobId);
    if (held) held.written += requestBytes(batches, [], request.owner, request.jobId);
  }

  /** Drops what `stage` stored for a request that will not be submitted, and the room held for it. */
  dropStaged(jobId: string): void {
    this.staging.delete(jobId);
    this.outbox.dropStaged(jobId);
  }

  /**
   * Cancels what of a job has not started: its queued notifications end `cancelled`; those on the wire
   * finish. A job already completed is left as it is (`completed`); another owner's job is `not-found`.
   */
  cancel(owner: string | null, jobId: string, now: number): CancelResult {
    const job = this.outbox.job(jobId);
    if (!job || (owner !== null && job.owner !== owner)) return { kind: "not-found" };
    if (job.completed_at !== null) return { kind: "completed", job: this.view(jobId) };
    const ended = this.sql.transaction(() => this.forgetUnsent([this.outbox.cancelQueued(jobId, now)]));
    this.ended(ended, "job_cancelled", now);
    return { kind: "cancelled", job: this.view(jobId) };
  }

  /** A host's report of one completion callback try; returns what became of the callback (null: a stale report). */
  callbackReport(report: CallbackReport, now: number): CallbackStatus | null {
    return this.callbacks.report(report, now);
  }

  /** Counts a storefront event that was answered 2xx but not queued. */
  recordSourceEvent(event: SourceEventRecord): void {
    this.sourceEvents.record(event);
  }

  /**
   * Expires lost leases, prunes a chunk when due, ends what passed its deadline, and hands out the
   * requests the pace allows now, each assembled from what is due.
   */
  tick(now: number): Tick {
    const { outbox, queue } = this.sending;
    for (const lost of outbox.expiredLeases(now)) {
      const detail = "the sender did not report back before its lease ran out; AlipayHK may have the request";
      for (const jobId of settleInFlight(
        this.sending,
        this.live,
        lost,
        relayOutcome("lost", lost.req_msg_id, detail, now),
        now,
      )) {
        this.completed(jobId, now);
      }
    }
    if (now >= this.nextPruneAt) this.prune(now);
    if (this.deadlines)
      this.ended(
        this.sql.bookkeeping(() => this.forgetUnsent(outbox.expireDue(now))),
        "notifications_expired",
        now,
      );
    queue.promote(now);

    const capacity = Math.max(0, this.settings.maxInFlight - outbox.counts.inFlightRequests);
    const held = this.mismatch ? { hold: this.mismatch, run: null } : this.live.breaker;
    const input = {
      capacity,
      pacer: this.live.pacer,
      breaker: held,
      probesInFlight: this.live.probes.size,
      now,
      leadMs: this.settings.leadMs,
      handoverMs: this.settings.handoverMs,
    };
    // The slots the pace, the breaker and the cap allow now come first; then each is filled from what is
    // due at its moment. A tick woken by a report between slots (most of them) assembles nothing.
    let plan = planSends({ ...input, due: Math.min(capacity, queue.requestsDue) }, this.settings.pacer);
    const assembled: Assembled[] = [];
    for (const slot of plan.slots) {
      const request = queue.take(slot.at, REQUEST_PLACES, guardOf(this.settings.pacer));
      if (!request) break;
      assembled.push(request);
    }
    if (assembled.length < plan.slots.length)
      plan = planSends({ ...input, due: assembled.length }, this.settings.pacer);
    this.live.pacer = plan.pacer;
    const tasks = this.handOut(assembled, plan.slots, now);

    const times: number[] = [this.nextPruneAt];
    if (plan.retryAt !== null) times.push(plan.retryAt);
    else if (capacity > plan.slots.length && !held.hold) {
      const dueAt = queue.nextDueAt();
      if (dueAt !== null) times.push(Math.max(dueAt, now + 1));
    }
    const lease = outbox.nextLeaseExpiry();
    if (lease !== null) times.push(lease + 1);
    // Deadlines pass while paused too: a held backlog still expires on time.
    const expiry = this.deadlines ? outbox.nextExpiry() : null;
    if (expiry !== null) times.push(Math.max(expiry, now + 1));
    // No queued deadline left: unless a run with one is still on the wire (it may be requeued), stop looking.
    else if (this.deadlines) this.deadlines = outbox.hasDeadlines();
    const callbacks = this.callbacks.due(now, (id) => this.view(id));
    const callbackAt = this.callbacks.nextAt();
    if (callbackAt !== null) times.push(Math.max(callbackAt, now + 1));
    return { tasks, callbacks, wakeAt: Math.min(...times) };
  }

  /**
   * Senders' reports that arrived together, settled in one commit (a group commit: one write of the pages
   * they share instead of one per report). If that commit fails, the queue in memory is rebuilt from the
   * outbox (which still holds them on the wire; their leases bring them back).
   */
  reports(reports: readonly SendReport[], now: number): void {
    if (reports.length === 0) return;
    try {
      this.sql.bookkeeping(() => {
        for (const report of reports) this.report(report, now);
      });
    } catch (error) {
      this.reloadQueue(now);
      throw error;
    }
  }

  /** A sender's report of one request. Reports for an attempt that is no longer current are ignored. */
  report(report: SendReport, now: number): void {
    const request = this.outbox.request(report.requestId);
    if (request && request.req_msg_id === report.reqMsgId) {
      if (request.state === "in_flight") {
        for (const jobId of settleInFlight(this.sending, this.live, request, report.outcome, now))
          this.completed(jobId, now);
        return;
      }
      if (request.state === "lost") {
        for (const jobId of settleLate(this.sending, this.live, request, report.outcome, now))
          this.completed(jobId, now);
        return;
      }
    }
    this.log({ event: "stale_report", requestId: report.requestId, reqMsgId: report.reqMsgId });
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
  async waitFor(
    owner: string | null,
    jobId: string,
    timeoutMs: number,
    waiter: string = owner ?? "admin",
  ): Promise<JobWait> {
    const job = this.job(owner, jobId);
    if (!job || job.status === "completed") return { job, refused: false };
    // Each open wait is a call held open on the object that paces the sends: a caller gets a few.
    const open = this.waits.get(waiter) ?? 0;
    if (open >= (this.settings.maxWaitsPerCaller ?? Number.POSITIVE_INFINITY)) return { job, refused: true };
    this.waits.set(waiter, open + 1);
    try {
      await this.waiters.wait(jobId, timeoutMs);
    } finally {
      const left = (this.waits.get(waiter) ?? 1) - 1;
      if (left > 0) this.waits.set(waiter, left);
      else this.waits.delete(waiter);
    }
    return { job: this.job(owner, jobId), refused: false };
  }

  /**
   * Live pace, backlog, callers, holds and results: everyone's for null (an admin), else `owner`'s own
   * (its backlog and requests, its results, its entry and jobs; the hold without who paused).
   */
  status(owner: string | null, now: number): DispatcherStatus {
    const { queue } = this.sending;
    queue.promote(now);
    const live = {
      pacer: this.live.pacer,
      hold: this.mismatch ?? this.live.breaker.hold,
      counts: this.outbox.counts,
      stats: this.live.stats,
    };
    let scope: StatusScope | null = null;
    if (owner !== null) {
      const wire = this.outbox.onTheWire(owner);
      scope = {
        owner,
        backlog: queue.backlog(owner),
        wire,
        etaSeconds: this.etaSeconds(owner, [], now, wire.notifications),
        stats: this.live.ownerStats.get(owner) ?? new AttemptStats(this.live.stats.startedAt),
      };
    }
    const shareOf = (caller: string) => Math.floor(this.backlogShareOf(caller));
    // Sources are the operator's business: an admin sees them all, a caller none.
    const sources = owner === null ? this.sourceEvents.summary() : [];
    return statusView(this.outbox, queue, { ...live, sources }, this.settings, scope, shareOf, now);
  }

  /** The status as an admin sees it, with what was counted since the engine opened (for `/metrics`). */
  metrics(now: number): EngineMetrics {
    const status = this.status(null, now);
    const stats = this.live.stats;
    return {
      status,
      startedAt: stats.startedAt,
      ...stats.cumulative(),
      notifications: { ...this.outbox.ended },
      callbacksPending: this.callbacks.pendingCount(),
    };
  }

  /** Why sending is impaired (held, or storage nearly full); empty while all is well. */
  health(): DegradedReason[] {
    return degradedReasons(
      this.mismatch ?? this.live.breaker.hold,
      this.sql.databaseBytes(),
      this.settings.storageCapBytes,
    );
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

  /** Puts the assembled requests on the wire in their slots, in one transaction. */
  private handOut(assembled: readonly Assembled[], slots: readonly Slot[], now: number): SendTask[] {
    if (assembled.length === 0) return [];
    try {
      return this.sql.bookkeeping(() =>
        assembled.map((request, i) => dispatch(this.sending, this.live, request, slots[i] as Slot)),
      );
    } catch (error) {
      // Nothing was stored, but the queue in memory already let the runs go: rebuild it from the outbox.
      this.reloadQueue(now);
      throw error;
    }
  }

  /** The queue in memory and the open-work counts, read again from the outbox (after a failed commit). */
  private reloadQueue(now: number): void {
    this.sending.queue = this.newQueue();
    this.sending.queue.add(this.outbox.load(), now);
  }

  private newQueue(): DueQueue {
    const weights = this.settings.callerWeights ?? {};
    return new DueQueue((owner) => weights[owner] ?? 1);
  }

  /**
   * Whether new work fits, or the refusal: the caller's pending callbacks (with a `callbackUrl`), the
   * storage cap (`bytes` more, next to what requests being staged will still write), the backlog and the
   * caller's share of it (`runs` more, next to the runs being staged).
   */
  private admit(request: SubmitRequest, runs: number, bytes: number, now: number): Refusal | null {
    const { owner } = request;
    if (request.callbackUrl !== undefined) {
      const limit = (this.settings.callbacks ?? DEFAULT_CALLBACK_LIMITS).pendingPerCaller;
      const pending = this.callbacks.pendingOf(owner);
      if (pending >= limit) {
        const next = this.callbacks.nextTryOf(owner) ?? now;
        return {
          kind: "callbacks-pending",
          retryAfterSeconds: Math.max(1, Math.ceil((next - now) / 1000)),
          pending,
          limit,
        };
      }
    }
    const staged = [...this.staging.entries()].filter(([jobId]) => jobId !== request.jobId).map(([, held]) => held);
    const used = this.sql.databaseBytes() + staged.reduce((n, held) => n + Math.max(0, held.bytes - held.written), 0);
    const { queue } = this.sending;
    const rps = this.liveRps(now);
    if (used + bytes > this.settings.storageCapBytes) {
      const retryAfterSeconds = storageRetrySeconds(queue.backlog(null), rps, this.nextPruneAt, now);
      return { kind: "storage-full", retryAfterSeconds, bytes: used, capBytes: this.settings.storageCapBytes };
    }
    if (runs === 0) return null;
    const max = this.settings.maxBacklogBatches;
    const total = this.outbox.counts.queuedRuns + staged.reduce((n, held) => n + held.runs, 0);
    const own = queue.backlog(owner).runs + staged.reduce((n, held) => n + (held.owner === owner ? held.runs : 0), 0);
    const verdict = admitRuns(
      { total, own, weight: this.weightOf(owner), othersWeight: queue.weightHolding(owner) },
      runs,
      max,
    );
    if (verdict.fits) return null;
    const all = queue.backlog(null);
    const backlogRuns = this.outbox.counts.queuedRuns;
    if (verdict.reason === "full")
      return {
        kind: "backlog-full",
        retryAfterSeconds: drainSeconds(all, verdict.excess, REQUEST_PLACES, rps, now),
        backlogRuns,
        limit: max,
      };
    // Room comes back when its own work is down to its share, or everyone's is out of the reserve.
    const places = Math.max(1, queue.placesFor(owner, 0));
    const retryAfterSeconds = Math.min(
      drainSeconds(queue.backlog(owner), verdict.overShare, places, rps, now),
      drainSeconds(all, verdict.overOpen, REQUEST_PLACES, rps, now),
    );
    return {
      kind: "backlog-full",
      retryAfterSeconds,
      backlogRuns,
      limit: max,
      callerRuns: own,
      callerShare: verdict.share,
    };
  }

  private weightOf(owner: string): number {
    return this.settings.callerWeights?.[owner] ?? 1;
  }

  /** The runs `owner` may hold while the backlog is in its reserve (its weighted share among the callers holding work). */
  private backlogShareOf(owner: string): number {
    const othersWeight = this.sending.queue.weightHolding(owner);
    return backlogShare({ weight: this.weightOf(owner), othersWeight }, this.settings.maxBacklogBatches);
  }

  /** Forgets the dedupKeys of the notifications that ended here without ever leaving (inside the caller's transaction). */
  private forgetUnsent(endings: Ended[]): Ended[] {
    for (const ended of endings) if (ended.unsent.length > 0) this.dedupKeys.forget(ended.jobId, ended.unsent);
    return endings;
  }

  private prior(request: SubmitRequest, now: number): SubmitResult | null {
    const byKey =
      request.idempotencyKey === undefined
        ? null
        : this.outbox.jobByIdempotencyKey(request.owner, request.idempotencyKey);
    const byWebhook = request.webhookId === undefined || byKey ? null : this.outbox.jobByWebhookId(request.webhookId);
    const prior = priorJob(request, byKey, byWebhook);
    if (prior?.kind === "existing")
      return {
        kind: "existing",
        job: this.view(prior.jobId),
        estimatedSeconds: this.etaSeconds(request.owner, [], now),
      };
    return prior;
  }

  private refuse(request: SubmitRequest, result: SubmitResult, staged: boolean): SubmitResult {
    if (staged) this.outbox.dropStaged(request.jobId);
    return result;
  }

  /** Queued notifications ended without a send (cancelled, expired): they leave the queue; jobs may complete. */
  private ended(endings: readonly Ended[], event: string, now: number): void {
    for (const ended of endings) {
      if (ended.runs.length === 0) continue;
      this.sending.queue.remove(ended.runs);
      this.log({ event, jobId: ended.jobId, notifications: ended.notifications });
      if (ended.completed) this.completed(ended.jobId, now);
    }
  }

  private completed(jobId: string, now: number): void {
    const job = this.outbox.job(jobId);
    this.log({ event: "job_completed", jobId, succeeded: job?.succeeded ?? 0, failed: job?.failed ?? 0 });
    this.sql.bookkeeping(() => this.callbacks.schedule(jobId, now));
    this.waiters.completed(jobId);
  }

  private prune(now: number): void {
    this.nextPruneAt = pruneStep(this.outbox, this.dedupKeys, this.settings, now);
  }

  private setBreaker(state: BreakerState): void {
    this.live.breaker = state;
    this.live.probes.clear();
    // An operator's pause or resume is answered as done: it must outlast a power loss.
    this.sql.transaction(() => this.outbox.setMeta("hold", state.hold));
  }

  private view(jobId: string): JobView {
    return readJob(this.outbox, jobId);
  }

  /**
   * Seconds until `owner`'s queued work (with `batches` more) is sent: at its fair share of each
   * request's places, at the live pace.
   */
  private etaSeconds(owner: string, batches: readonly WireBatch[], now: number, onTheWire = 0): number {
    const adding = batches.reduce((n, b) => n + b.size, 0);
    const queued = this.sending.queue.backlog(owner).notifications + adding + onTheWire;
    if (queued === 0) return 0;
    const places = Math.max(1, this.sending.queue.placesFor(owner, adding));
    return Math.ceil(queued / (places * this.liveRps(now)));
  }

  private liveRps(now: number): number {
    return paceSnapshot(this.live.pacer, this.settings.pacer, now).liveRps;
  }

  /** Drops the caller's notifications whose dedupKey was accepted within the window (or earlier in this request). */
  private deduplicate(request: SubmitRequest, now: number) {
    const keys = request.batches.flatMap((b) => (b.dedupKeys ?? []).filter((k): k is string => k !== null));
    const seen =
      keys.length === 0
        ? new Set<string>()
        : this.dedupKeys.seen(request.owner, keys, now - this.settings.dedupWindowMs);
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
