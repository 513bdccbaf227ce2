import { DurableObject } from "cloudflare:workers";
import { newReqMsgId } from "../core/envelope";
import type { SendOutcome } from "../core/types";
import { decideNext } from "../dispatch/retry-policy";
import { initialPacer, nextSendAt, paceSnapshot, recordAccepted, recordExceed, recordSend } from "../dispatch/pacer";
import type { PacerState } from "../dispatch/pacer";
import { LOST_IN_FLIGHT, attemptResult, relayOutcome } from "./attempt-result";
import { jobView } from "./job-view";
import { logEvent } from "../log";
import { loadRuntime } from "../runtime";
import { Outbox, type BatchRow } from "./outbox";
import { dispatcherSettings, type DispatcherSettings } from "./settings";
import { STATUS_WINDOW_MS, recordAdaptation, statusView } from "./status-view";
import type { DispatcherStatus, JobView, SendReport, SendTask, SubmitRequest, SubmitResult } from "./types";

/** How long one alarm keeps pumping before handing over to the next alarm, in ms. */
const PUMP_BUDGET_MS = 25_000;
/**
 * While pumping, an alarm is always armed at most this far ahead, in ms: if the instance dies mid-pump
 * (a reset, an eviction, a deploy), that alarm brings the pump back within this long, not after a
 * whole pump budget.
 */
const BACKSTOP_MS = 2_000;
/**
 * Sender invocations one pump may start. Each is a subrequest of the alarm invocation, and Cloudflare
 * allows 1,000 per invocation; past this the pump hands over to a fresh alarm.
 */
const MAX_SENDS_PER_PUMP = 800;
/** How long the pump waits before trying again while the configuration or keys are unusable, in ms. */
const MISCONFIGURED_RETRY_MS = 30_000;
/** How long after an unexpected pump failure the next alarm comes, in ms. */
const PUMP_FAILURE_RETRY_MS = 5_000;
/**
 * A batch is handed to its sender up to this long before its slot, in ms; the sender signs it and then
 * waits for the slot, so the hand-over and the signing do not jitter the moment the request leaves.
 */
const SEND_LEAD_MS = 25;
/** How often the pump looks for leases that ran out, in ms (a lease is seconds long; no need to look every send). */
const LEASE_CHECK_MS = 250;
/** Extra time a sender gets beyond the send timeout to report back, in ms. */
const LEASE_GRACE_MS = 5_000;

/**
 * One per Alipay clientId: the single place that decides when each batch leaves. It keeps the durable
 * outbox, paces the sends, hands each batch to a separate sender invocation (so no invocation waits on
 * more than a handful of connections), and settles each attempt when the sender reports back.
 */
export class Dispatcher extends DurableObject<Env> {
  private readonly outbox: Outbox;
  private pacer: PacerState | null = null;
  private pumping = false;
  private wake: (() => void) | null = null;
  private lastPrune = 0;
  private nextLeaseCheckAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.outbox = new Outbox(ctx.storage.sql);
    // Work left behind with no alarm (a pump that failed for good, an alarm lost in a restart) resumes
    // as soon as the object is touched again.
    void ctx.blockConcurrencyWhile(async () => {
      if (this.outbox.hasOpenBatches() && (await ctx.storage.getAlarm()) === null)
        await ctx.storage.setAlarm(Date.now());
    });
  }

  /** Stores an accepted request (job and batches) before the caller answers 202, and starts sending. */
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const settings = this.settings();
    const now = Date.now();
    if (request.idempotencyKey !== undefined) {
      const existing = this.outbox.jobByIdempotencyKey(request.owner, request.idempotencyKey);
      if (existing) {
        if (existing.body_hash !== request.bodyHash) return { kind: "idempotency-mismatch" };
        const view = jobView(existing, this.outbox.batchesOf(existing.job_id));
        return { kind: "existing", job: view, estimatedSeconds: this.etaSeconds(now) };
      }
    }
    if (request.webhookId !== undefined) {
      // Standard Webhooks senders retry with the same webhook-id when an answer is lost: the same body
      // gets its job back; anything else under a seen id is a replay.
      const seen = this.outbox.webhookDelivery(request.webhookId);
      const job = seen && seen.body_hash === request.bodyHash ? this.outbox.job(seen.job_id) : null;
      if (job && job.owner === request.owner) {
        return {
          kind: "existing",
          job: jobView(job, this.outbox.batchesOf(job.job_id)),
          estimatedSeconds: this.etaSeconds(now),
        };
      }
      if (seen) return { kind: "webhook-replayed" };
    }
    const backlog = this.outbox.backlog();
    const liveRps = this.liveRps(now);
    if (backlog.batches + request.batches.length > settings.maxBacklogBatches) {
      const excess = backlog.batches + request.batches.length - settings.maxBacklogBatches;
      return {
        kind: "backlog-full",
        retryAfterSeconds: Math.max(1, Math.ceil(excess / liveRps)),
        backlogBatches: backlog.batches,
      };
    }
    this.ctx.storage.transactionSync(() => {
      this.outbox.insertJob(
        {
          job_id: request.jobId,
          owner: request.owner,
          idempotency_key: request.idempotencyKey ?? null,
          body_hash: request.bodyHash,
          merchant_id: request.merchantId,
          created_at: now,
        },
        request.batches,
      );
      if (request.webhookId !== undefined)
        this.outbox.recordWebhookId(request.webhookId, request.jobId, request.bodyHash, now);
    });
    const job = this.outbox.job(request.jobId);
    if (!job) throw new Error("job vanished right after insert");
    logEvent({ event: "job_accepted", jobId: job.job_id, total: job.total, batches: job.batch_count });
    // The answer describes the job as stored (queued), before any of it leaves.
    const created: SubmitResult = {
      kind: "created",
      job: jobView(job, this.outbox.batchesOf(job.job_id)),
      estimatedSeconds: this.etaSeconds(now),
    };
    // With no pump running, the first batch leaves from here rather than after an alarm round trip.
    if (!this.pumping) this.dispatchDueNow();
    await this.kick();
    return created;
  }

  /** The job if it exists and belongs to `owner` (any owner when null: an admin); null otherwise, alike. */
  async getJob(owner: string | null, jobId: string): Promise<JobView | null> {
    const job = this.outbox.job(jobId);
    if (!job || (owner !== null && job.owner !== owner)) return null;
    return jobView(job, this.outbox.batchesOf(jobId));
  }

  /** Live pace, backlog, in-flight sends and recent results; recent jobs are `owner`'s (everyone's when null). */
  async status(owner: string | null): Promise<DispatcherStatus> {
    const now = Date.now();
    return statusView(this.outbox, { pace: this.pace(now), etaSeconds: this.etaSeconds(now), owner, now });
  }

  /** A sender's report of one attempt. Reports for an attempt that is no longer current are ignored. */
  async report(report: SendReport): Promise<void> {
    const batch = this.outbox.batch(report.batchId);
    if (batch?.state !== "in_flight" || batch.req_msg_id !== report.reqMsgId) {
      logEvent({ event: "stale_report", batchId: report.batchId, reqMsgId: report.reqMsgId });
      return;
    }
    this.settleAttempt(batch, report.outcome, Date.now());
    // A fresh instance (after a reset) has no pump yet, and the batch just settled may be due again now.
    if (this.pumping) this.wake?.();
    else await this.kick();
  }

  /** Alarms drive the pump, so sending survives restarts and evictions. */
  override async alarm(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      await this.pump();
    } catch (error) {
      // Never let a failure leave the outbox without an alarm: log it and come back shortly.
      logEvent({ event: "pump_failed", error: error instanceof Error ? error.message : String(error) });
      await this.ctx.storage.setAlarm(Date.now() + PUMP_FAILURE_RETRY_MS);
    } finally {
      this.pumping = false;
    }
  }

  private async pump(): Promise<void> {
    const started = Date.now();
    const loaded = await loadRuntime(this.env);
    if (!loaded.ok) {
      // Nothing can be signed or sent: keep every batch queued and look again later (see /healthz).
      logEvent({
        event: "pump_paused",
        reason: "configuration invalid",
        settings: loaded.errors.map((e) => e.setting).join(","),
      });
      await this.ctx.storage.setAlarm(started + MISCONFIGURED_RETRY_MS);
      return;
    }
    let backstopAt = 0;
    let sends = 0;
    for (;;) {
      const settings = this.settings();
      const now = Date.now();
      // Re-armed before it can fire: if this instance dies mid-pump, this alarm brings the pump back soon.
      if (backstopAt - now < BACKSTOP_MS / 2) {
        backstopAt = now + BACKSTOP_MS;
        await this.ctx.storage.setAlarm(backstopAt);
      }
      if (now >= this.nextLeaseCheckAt) {
        this.expireLeases(now);
        this.nextLeaseCheckAt = now + LEASE_CHECK_MS;
      }
      this.maybePrune(now, settings);
      if (now - started >= PUMP_BUDGET_MS || sends >= MAX_SENDS_PER_PUMP) break;
      const inFlight = this.outbox.inFlightCount();
      const due = inFlight < settings.maxInFlight ? this.outbox.nextDue(now) : null;
      if (due) {
        const at = nextSendAt(this.pacerState(now), settings.pacer, now);
        if (at <= now + SEND_LEAD_MS) {
          this.dispatch(due, Math.max(at, now), settings);
          sends += 1;
        } else await this.sleep(Math.min(at - now - SEND_LEAD_MS, BACKSTOP_MS / 2));
        continue;
      }
      const wakeAt = this.nextWakeAt(inFlight < settings.maxInFlight);
      if (wakeAt === null) break;
      if (wakeAt - started >= PUMP_BUDGET_MS) break;
      await this.sleep(Math.min(Math.max(1, wakeAt - now), BACKSTOP_MS / 2));
    }
    const next = this.nextWakeAt(true);
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }

  /** Sends the next due batch now if the pace and the in-flight cap allow it (used outside the pump). */
  private dispatchDueNow(): void {
    const settings = this.settings();
    const now = Date.now();
    if (this.outbox.inFlightCount() >= settings.maxInFlight) return;
    const due = this.outbox.nextDue(now);
    if (due && nextSendAt(this.pacerState(now), settings.pacer, now) <= now) this.dispatch(due, now, settings);
  }

  /** The earliest moment something can happen: a queued batch falls due or a lease runs out. */
  private nextWakeAt(hasCapacity: boolean): number | null {
    const due = hasCapacity ? this.outbox.nextDueAt() : null;
    const lease = this.outbox.nextLeaseExpiry();
    const times = [due, lease === null ? null : lease + 1].filter((t): t is number => t !== null);
    return times.length ? Math.min(...times) : null;
  }

  /** Hands a batch to a sender for the slot at `sendAt` (ms epoch; now or a few ms ahead). */
  private dispatch(batch: BatchRow, sendAt: number, settings: DispatcherSettings): void {
    const reqMsgId = newReqMsgId();
    this.outbox.markInFlight(batch.batch_id, reqMsgId, sendAt + settings.sendTimeoutMs + LEASE_GRACE_MS);
    this.savePacer(recordSend(this.pacerState(sendAt), settings.pacer, sendAt));
    const job = this.outbox.job(batch.job_id);
    const task: SendTask = {
      clientId: settings.clientId,
      batchId: batch.batch_id,
      reqMsgId,
      merchantId: job?.merchant_id ?? "",
      notificationInfos: batch.notifications,
      notBefore: sendAt,
      // Lateness up to the pace guard is what the window's margin absorbs; later would bunch up.
      notAfter: sendAt + (settings.pacer.guardMs ?? 0),
    };
    // Not awaited: the sender answers at once and reports back through `report`.
    this.ctx.exports.Sender.send([task]).catch((error: unknown) => {
      const detail = `sender invocation failed: ${error instanceof Error ? error.message : String(error)}`;
      return this.report({ batchId: batch.batch_id, reqMsgId, outcome: relayOutcome("not-sent", reqMsgId, detail) });
    });
  }

  private settleAttempt(batch: BatchRow, outcome: SendOutcome, now: number): void {
    const settings = this.settings();
    const result = attemptResult(outcome);
    const traffic = result.resultClass === "traffic";
    if (traffic) {
      this.savePacer(recordExceed(this.pacerState(now), settings.pacer, now));
      this.noteAdaptation(now, "REQUEST_TRAFFIC_EXCEED_LIMIT");
    } else if (outcome.kind === "answered") {
      // Kept in memory only: accepted answers feed the next estimate; the next send or exceed stores them.
      this.pacer = recordAccepted(this.pacerState(now), settings.pacer, now);
    }
    const decision = decideNext(
      {
        kind: outcome.kind,
        resultClass: result.resultClass,
        attempts: batch.attempts,
        budgetSpent: batch.budget_spent,
        trafficRequeues: batch.traffic_requeues,
      },
      settings.retry,
      Math.random(),
    );
    this.ctx.storage.transactionSync(() => {
      this.outbox.logAttempt(now, result.resultCode, outcome.latencyMs);
      if (decision.action === "done") this.outbox.settle(batch.batch_id, result, { state: decision.status });
      else {
        this.outbox.settle(batch.batch_id, result, {
          state: "queued",
          nextAt: now + decision.delayMs,
          front: decision.front,
          spendsAttempt: decision.spendsAttempt,
        });
      }
    });
    logEvent({
      event: "attempt",
      jobId: batch.job_id,
      batch: batch.seq,
      reqMsgId: outcome.reqMsgId,
      attempt: batch.attempts,
      resultStatus: result.resultStatus,
      resultCode: result.resultCode,
      latencyMs: Math.round(outcome.latencyMs),
      httpStatus: outcome.httpStatus ?? null,
      verified: outcome.verified,
      next: decision.action === "done" ? decision.status : `retry in ${decision.delayMs} ms`,
    });
    if (decision.action === "done" && this.outbox.completeIfDone(batch.job_id, now)) {
      const counts = this.outbox.jobCounts(batch.job_id);
      logEvent({ event: "job_completed", jobId: batch.job_id, succeeded: counts.succeeded, failed: counts.failed });
    }
  }

  /** In-flight batches whose sender never reported: AlipayHK may have them, so they are resent (and counted). */
  private expireLeases(now: number): void {
    for (const batch of this.outbox.expiredLeases(now)) {
      const detail = `${LOST_IN_FLIGHT}: the sender did not report back before its lease ran out`;
      this.settleAttempt(batch, relayOutcome("timeout", batch.req_msg_id ?? "", detail), now);
    }
  }

  private maybePrune(now: number, settings: DispatcherSettings): void {
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    this.outbox.prune(now - settings.jobRetentionMs, now - settings.webhookIdRetentionMs, now - STATUS_WINDOW_MS);
  }

  /**
   * Wakes a waiting pump and makes sure an alarm is due now. The alarm is set even while a pump runs:
   * a pump that is just finishing may already have scheduled its next alarm without this new work, and
   * an extra alarm is harmless (a pump re-reads the outbox and reschedules before it ends).
   */
  private async kick(): Promise<void> {
    this.wake?.();
    const current = await this.ctx.storage.getAlarm();
    const now = Date.now();
    if (current === null || current > now) await this.ctx.storage.setAlarm(now);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.wake === done) self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  /** Seconds until the backlog is sent at the live rate (unrounded, so a tiny quota cannot divide by 0). */
  private etaSeconds(now: number): number {
    return Math.ceil(this.outbox.backlog().batches / this.liveRps(now));
  }

  private liveRps(now: number): number {
    return paceSnapshot(this.pacerState(now), this.settings().pacer, now).liveRps;
  }

  private pace(now: number): DispatcherStatus["pace"] {
    const snapshot = paceSnapshot(this.pacerState(now), this.settings().pacer, now);
    return {
      configuredRps: snapshot.configuredRps,
      liveRps: roundRate(snapshot.liveRps),
      sentLastSecond: snapshot.sentLastSecond,
      lastExceedAt: snapshot.lastExceedAt === null ? null : new Date(snapshot.lastExceedAt).toISOString(),
    };
  }

  private noteAdaptation(now: number, reason: string): void {
    const liveRps = this.pace(now).liveRps;
    if (recordAdaptation(this.outbox, { at: new Date(now).toISOString(), liveRps, reason })) {
      logEvent({ event: "pace_lowered", liveRps, reason });
    }
  }

  private pacerState(now: number): PacerState {
    this.pacer ??= this.outbox.getMeta<PacerState>("pacer") ?? initialPacer(this.settings().pacer, now);
    return this.pacer;
  }

  private savePacer(state: PacerState): void {
    this.pacer = state;
    this.outbox.setMeta("pacer", state);
  }

  private settings(): DispatcherSettings {
    return dispatcherSettings(this.env);
  }
}

/** Rates are shown to 0.01 per second: the pacer's arithmetic leaves float noise below that. */
function roundRate(rps: number): number {
  return Math.round(rps * 100) / 100;
}
