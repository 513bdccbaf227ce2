/**
 * The self-hosted host of the engine (Deno or Node): one per process, one clientId. It gives the
 * engine a SQLite outbox, timers instead of alarms (the `Pump` sleeps until the next wake-up) and
 * in-process senders. Its methods are the Durable Object's, so the Hono app reaches it through
 * `env.DISPATCHER.getByName()` unchanged. Every decision is the engine's.
 */
import { deliverCallbacks } from "../../engine/callback-sender";
import { Engine } from "../../engine/engine";
import { deliverTask } from "../../engine/deliver";
import { Pump } from "../../engine/pump";
import type { SqlAdapter } from "../../engine/sql";
import { engineSettings } from "../../engine/settings";
import type { CallbackTask, CancelResult, DegradedReason, DispatcherApi, DispatcherStatus, JobView, SendReport, SendTask, SubmitRequest, SubmitResult } from "../../engine/types";
import { logEvent } from "../../log";
import { submitInSlices } from "../../engine/staging";
import type { Runtime } from "../../runtime";

/** After the pump loop failed (a storage error), it starts again this much later, ms. */
const RESTART_MS = 5_000;

/** The engine driven in this process: the same methods as the Cloudflare `Dispatcher`. */
export class LocalDispatcher implements DispatcherApi {
  private readonly engine: Engine;
  private readonly pump: Pump;
  private readonly runtime: Runtime;
  private readonly fetchFn: typeof fetch;
  /** Sends on the wire; `stop` waits for them. */
  private readonly sending = new Set<Promise<void>>();
  private loop: Promise<void> | null = null;
  private stopping = false;

  constructor(sql: SqlAdapter, runtime: Runtime, fetchFn: typeof fetch = fetch) {
    this.runtime = runtime;
    this.fetchFn = fetchFn;
    // Re-opening reloads what survives a crash: leased batches come back when their leases run out.
    this.engine = new Engine(sql, engineSettings(runtime.config)).open(Date.now());
    this.pump = new Pump(this.engine, {
      now: Date.now,
      send: (tasks) => this.send(tasks),
      deliver: (callbacks) => this.deliver(callbacks),
    });
  }

  /** Starts the pump loop; its first tick is immediate, so work left by an earlier process resumes at once. */
  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Stops handing out sends, then waits up to `graceMs` for the sends on the wire to report. Any still
   * out after that stay leased in the outbox and are resent by the next process once the lease runs out.
   */
  async stop(graceMs: number): Promise<{ unfinished: number }> {
    this.stopping = true;
    this.pump.stop();
    await this.loop;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(this.sending), timeout]);
    if (timer !== null) clearTimeout(timer);
    return { unfinished: this.sending.size };
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    if (this.stopping) throw new Error("the relay is shutting down");
    // A large request is stored a slice at a time, the sends and reports due meanwhile let through.
    const result = await submitInSlices(this.engine, request, Date.now, yieldToEventLoop);
    if (result.kind === "created") this.pump.poke();
    return result;
  }

  async getJob(owner: string | null, jobId: string): Promise<JobView | null> {
    return this.engine.job(owner, jobId);
  }

  async waitForJob(owner: string | null, jobId: string, timeoutMs: number): Promise<JobView | null> {
    return this.engine.waitFor(owner, jobId, timeoutMs);
  }

  async status(owner: string | null): Promise<DispatcherStatus> {
    return this.engine.status(owner, Date.now());
  }

  async health(): Promise<DegradedReason[]> {
    return this.engine.health();
  }

  async report(reports: SendReport[]): Promise<void> {
    for (const report of reports) this.engine.report(report, Date.now());
    this.pump.poke();
  }

  async pause(reason: string, by?: string): Promise<void> {
    this.engine.pause(reason, Date.now(), by);
  }

  async cancelJob(owner: string | null, jobId: string): Promise<CancelResult> {
    const result = this.engine.cancel(owner, jobId, Date.now());
    // A job completed by the cancel may have a callback due now.
    if (result.kind === "cancelled") this.pump.poke();
    return result;
  }

  async resume(): Promise<void> {
    this.engine.resume();
    this.pump.poke();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        // Unbounded: the engine's next wake-up is at most an hour away, and `stop` ends the loop.
        await this.pump.run(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
      } catch (error) {
        logEvent({ event: "pump_failed", error: error instanceof Error ? error.message : String(error) });
        await new Promise((resolve) => setTimeout(resolve, RESTART_MS));
      }
    }
  }

  /** Completion callbacks, sent from the process (to callers, not AlipayHK: no pace). */
  private deliver(callbacks: CallbackTask[]): void {
    const secret = this.runtime.config.callbackSecret;
    for (const sent of deliverCallbacks(this.engine, callbacks, secret, this.fetchFn, () => this.pump.poke())) {
      const tracked: Promise<void> = sent.finally(() => this.sending.delete(tracked));
      this.sending.add(tracked);
    }
  }

  /** In-process senders: each task signs, waits for its slot, sends and reports; `RELAY_MAX_IN_FLIGHT` bounds them through the engine. */
  private send(tasks: SendTask[]): void {
    for (const task of tasks) {
      const sending: Promise<void> = deliverTask(task, this.runtime, this.fetchFn)
        .then((outcome) => this.report([{ batchId: task.batchId, reqMsgId: task.reqMsgId, outcome }]))
        .catch((error: unknown) => {
          // The batch stays in flight until its lease runs out, then it is resent.
          logEvent({
            event: "report_failed",
            batchId: task.batchId,
            error: error instanceof Error ? error.message : String(error),
          });
        })
        .finally(() => this.sending.delete(sending));
      this.sending.add(sending);
    }
  }
}

/** Lets timers and I/O run before going on. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
