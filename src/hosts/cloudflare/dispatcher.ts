import { DurableObject } from "cloudflare:workers";
import { parseConfig } from "../../config";
import { deliverCallbacks } from "../../engine/callback-sender";
import { Engine } from "../../engine/engine";
import { Pump } from "../../engine/pump";
import { engineSettings } from "../../engine/settings";
import { submitInSlices } from "../../engine/staging";
import type { CallbackTask, CancelResult, DegradedReason, DispatcherApi, DispatcherStatus, JobView, SendReport, SendTask, SubmitRequest, SubmitResult } from "../../engine/types";
import { logEvent } from "../../log";
import { MAX_CONNECTIONS_PER_INVOCATION } from "./connection-limit";
import { durableObjectSql } from "./sql-storage";

/** How long one alarm keeps pumping before handing over to the next alarm, ms. */
const PUMP_BUDGET_MS = 25_000;
/** Longest in-memory sleep inside an alarm, ms; a later wake-up is left to a new alarm. */
const MAX_SLEEP_MS = 2_000;
/** While pumping, an alarm stays armed this far ahead, ms: if the instance dies, it brings the pump back. */
const BACKSTOP_MS = 2_000;
/** After a failed pump or while the configuration is invalid, the next alarm comes this much later, ms. */
const RETRY_MS = 5_000;

/**
 * The Cloudflare host of the engine, one per Alipay clientId: SQLite storage, alarms as the wake-up,
 * and `Sender` invocations (at most 6 sends each) as the senders. Every decision is the engine's.
 */
export class Dispatcher extends DurableObject<Env> implements DispatcherApi {
  private engine: Engine | null = null;
  private callbackSecret: readonly Uint8Array[] | undefined;
  private pump: Pump | null = null;
  private backstopAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Work left behind with no alarm (an alarm lost in a restart) resumes as soon as the object wakes.
    void ctx.blockConcurrencyWhile(async () => {
      if ((await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now());
    });
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    // A large request is stored a slice at a time, the sends and reports due meanwhile let through.
    const result = await submitInSlices(this.open(), request, Date.now, () => scheduler.wait(0));
    if (result.kind === "created") await this.kick();
    return result;
  }

  async getJob(owner: string | null, jobId: string): Promise<JobView | null> {
    return this.open().job(owner, jobId);
  }

  async waitForJob(owner: string | null, jobId: string, timeoutMs: number): Promise<JobView | null> {
    return this.open().waitFor(owner, jobId, timeoutMs);
  }

  async status(owner: string | null): Promise<DispatcherStatus> {
    return this.open().status(owner, Date.now());
  }

  async health(): Promise<DegradedReason[]> {
    return this.open().health();
  }

  async report(reports: SendReport[]): Promise<void> {
    const engine = this.open();
    for (const report of reports) engine.report(report, Date.now());
    await this.kick();
  }

  async cancelJob(owner: string | null, jobId: string): Promise<CancelResult> {
    const result = this.open().cancel(owner, jobId, Date.now());
    if (result.kind === "cancelled") await this.kick(); // its completion callback may be due now
    return result;
  }

  async pause(reason: string, by?: string): Promise<void> {
    this.open().pause(reason, Date.now(), by);
  }

  async resume(): Promise<void> {
    this.open().resume();
    await this.kick();
  }

  /** Alarms drive the pump, so sending survives restarts and evictions. */
  override async alarm(): Promise<void> {
    if (this.pump?.active) return;
    let next = Date.now() + RETRY_MS;
    try {
      const engine = this.open();
      this.pump ??= new Pump(engine, {
        now: Date.now,
        send: (tasks) => this.send(tasks),
        deliver: (callbacks) => this.deliver(callbacks),
        beforeTick: (now) => this.backstop(now),
      });
      next = (await this.pump.run(Date.now() + PUMP_BUDGET_MS, MAX_SLEEP_MS)).wakeAt;
    } catch (error) {
      // Never leave the outbox without an alarm: log and come back shortly.
      logEvent({ event: "pump_failed", error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.backstopAt = 0;
      await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
    }
  }

  /** The engine, built on first use; throws while the configuration is invalid (the Worker refuses requests then). */
  private open(): Engine {
    if (this.engine) return this.engine;
    const parsed = parseConfig(this.env);
    if (!parsed.ok) throw new Error(`configuration invalid: ${parsed.errors.map((e) => e.setting).join(", ")}`);
    this.engine = new Engine(durableObjectSql(this.ctx.storage), engineSettings(parsed.config)).open(Date.now());
    this.callbackSecret = parsed.config.callbackSecret;
    return this.engine;
  }

  /** New work or a settled batch: wake a running pump, else tick now (no alarm round trip) and arm the alarm. */
  private async kick(): Promise<void> {
    if (this.pump?.active) return this.pump.poke();
    const { tasks, callbacks, wakeAt } = this.open().tick(Date.now());
    this.send(tasks);
    this.deliver(callbacks);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > wakeAt) await this.ctx.storage.setAlarm(wakeAt);
  }

  /** Hands tasks to Sender invocations, at most 6 each. Not awaited: senders report back through `report`. */
  private send(tasks: SendTask[]): void {
    for (let i = 0; i < tasks.length; i += MAX_CONNECTIONS_PER_INVOCATION) {
      const group = tasks.slice(i, i + MAX_CONNECTIONS_PER_INVOCATION);
      // A failed hand-over may still have started the sends: the batches stay in flight until their
      // leases run out, and are resent only then (AlipayHK may have them).
      this.ctx.exports.Sender.send(group).catch((error: unknown) => {
        logEvent({ event: "sender_failed", batches: group.length, error: error instanceof Error ? error.message : String(error) });
      });
    }
  }

  /** Completion callbacks go from the object itself (to callers, not AlipayHK: no pace, no Sender). */
  private deliver(callbacks: CallbackTask[]): void {
    for (const sent of deliverCallbacks(this.open(), callbacks, this.callbackSecret, fetch, () => this.kick())) {
      this.ctx.waitUntil(sent);
    }
  }

  /** Keeps an alarm armed a little ahead while pumping, rewritten only when it is half used. */
  private async backstop(now: number): Promise<void> {
    if (this.backstopAt - now >= BACKSTOP_MS / 2) return;
    this.backstopAt = now + BACKSTOP_MS;
    await this.ctx.storage.setAlarm(this.backstopAt);
  }
}

