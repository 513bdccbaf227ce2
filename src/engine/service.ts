/**
 * The dispatcher as every host runs it: `DispatcherApi` implemented once over an `Engine` and a narrow
 * `HostPort` (a clock, a yield, a way to send, a way to be woken). The service owns the real-time loop,
 * the sliced storing of large requests, the rule of which calls wake the loop, and — in `arm`, the one
 * place that does it — the choice of the next wake-up. A Durable Object, a Deno or a Node process only
 * implement the port; tests drive `Engine.tick` on a fake clock instead.
 */
import { logEvent } from "../log";
import type {
  CallbackReport,
  CallbackTask,
  CancelResult,
  DegradedReason,
  DispatcherApi,
  DispatcherMetrics,
  DispatcherStatus,
  JobView,
  JobWait,
  SendReport,
  SendTask,
  SourceEventRecord,
  SubmitRequest,
  SubmitResult,
} from "./api";
import type { Engine } from "./engine";
import { ServiceCounters } from "./metrics";

/** What the service needs from its host. */
export interface HostPort {
  /** The wall clock, ms epoch. */
  now(): number;
  /** Lets the host's other work (sends, reports, other requests) run before going on. */
  yieldNow(): Promise<void>;
  /** Hands sends to senders; must not block (senders report back through `report`). */
  send(tasks: SendTask[]): void;
  /** Sends completion callback tries; must not block (each ending comes back through `callbackEnded`). */
  deliver(callbacks: CallbackTask[]): void;
  /** Calls `wake()` at `at` (ms epoch) or earlier: a wake-up already set earlier stays, a later one is moved up. */
  schedule(at: number): void | Promise<void>;
}

/** How the loop spends a wake-up. */
export interface LoopOptions {
  /** How long one wake-up keeps looping before leaving the rest to the next, ms. */
  budgetMs: number;
  /** The longest sleep inside a wake-up, ms; a later tick is left to `schedule`. */
  maxSleepMs: number;
  /** After a failed loop (a storage error, an invalid configuration), the next wake-up comes this much later, ms. */
  retryMs: number;
}

/**
 * Loop settings for a Durable Object: one alarm loops for at most 25 s, then hands over to the next. An
 * alarm whose instance dies mid-loop is retried by the runtime (alarms are at-least-once), so no
 * second alarm needs to stand guard while it runs.
 */
export const DURABLE_OBJECT_LOOP: LoopOptions = { budgetMs: 25_000, maxSleepMs: 2_000, retryMs: 5_000 };
/** Loop settings for a self-hosted process: timers only. */
export const PROCESS_LOOP: LoopOptions = { budgetMs: 60_000, maxSleepMs: 2_000, retryMs: 5_000 };

/** Batches written per slice of a large request: 10 full batches are about 200 KB, a few ms of SQLite work. */
export const STAGE_SLICE_BATCHES = 10;

/**
 * Whether `request` is stored in slices: more than one slice of batches, and no dedupKey (deduplication
 * repacks the batches and must see every key accepted before it, so it runs in the job's own transaction).
 */
export function storedInSlices(request: SubmitRequest): boolean {
  return (
    request.batches.length > STAGE_SLICE_BATCHES && !request.batches.some((b) => b.dedupKeys?.some((k) => k !== null))
  );
}

/** One dispatcher: one engine (opened on first use), one host. */
export class DispatcherService implements DispatcherApi {
  private readonly open: () => Engine;
  private readonly port: HostPort;
  private readonly options: LoopOptions;
  private opened: Engine | null = null;
  private running = false;
  /** Set by a kick that came while the loop was not sleeping: the next sleep is skipped. */
  private poked = false;
  private stopped = false;
  private wakeSleeper: (() => void) | null = null;
  /** Submits and callback tries as this service saw them, since it started (in memory). */
  private readonly counters = new ServiceCounters();

  /** `open` builds the engine; it throws while the configuration is invalid, and is called again on the next use. */
  constructor(open: () => Engine, port: HostPort, options: LoopOptions) {
    this.open = open;
    this.port = port;
    this.options = options;
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    if (this.stopped) throw new Error("the dispatcher is shutting down");
    const result = await this.store(this.engine, request).catch((error: unknown) => {
      this.counters.submitted("error");
      throw error;
    });
    this.counters.submitted(result.kind);
    if (result.kind === "created") await this.kick();
    return result;
  }

  async getJob(owner: string | null, jobId: string): Promise<JobView | null> {
    return this.engine.job(owner, jobId);
  }

  async waitForJob(owner: string | null, jobId: string, timeoutMs: number, waiter: string): Promise<JobWait> {
    return this.engine.waitFor(owner, jobId, timeoutMs, waiter);
  }

  async cancelJob(owner: string | null, jobId: string): Promise<CancelResult> {
    const result = this.engine.cancel(owner, jobId, this.port.now());
    // A job completed by the cancel may have a callback due now.
    if (result.kind === "cancelled") await this.kick();
    return result;
  }

  async status(owner: string | null): Promise<DispatcherStatus> {
    return this.engine.status(owner, this.port.now());
  }

  async health(): Promise<DegradedReason[]> {
    return this.engine.health();
  }

  async report(reports: SendReport[]): Promise<void> {
    this.engine.reports(reports, this.port.now());
    await this.kick();
  }

  async pause(reason: string, by?: string): Promise<void> {
    this.engine.pause(reason, this.port.now(), by);
  }

  async resume(): Promise<void> {
    this.engine.resume();
    await this.kick();
  }

  async recordSourceEvent(event: SourceEventRecord): Promise<void> {
    this.engine.recordSourceEvent(event);
  }

  async metrics(): Promise<DispatcherMetrics> {
    return { ...this.engine.metrics(this.port.now()), ...this.counters.snapshot() };
  }

  /** A completion callback try ended (the host sent it for `deliver`). */
  async callbackEnded(report: CallbackReport): Promise<void> {
    this.counters.callbackTried(report.delivered, this.engine.callbackReport(report, this.port.now()));
    await this.kick();
  }

  /**
   * The host's wake-up (an alarm, a timer): ticks until the budget is spent or the next tick is further
   * than the longest sleep, then schedules the next wake-up. A wake-up while the loop runs only pokes it.
   */
  async wake(): Promise<void> {
    if (this.stopped) return;
    if (this.running) return this.poke();
    this.running = true;
    let next: number;
    try {
      next = await this.loop();
    } catch (error) {
      // Never leave work without a wake-up: log, and come back shortly.
      logEvent({ event: "pump_failed", error: error instanceof Error ? error.message : String(error) });
      next = this.port.now() + this.options.retryMs;
    } finally {
      this.running = false;
    }
    await this.arm(next);
  }

  /**
   * Ends the loop before its next tick and refuses new work (a process shutting down); resolves once it
   * stopped. Reports still settle their attempts, but nothing new is handed out.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeSleeper?.();
    while (this.running) await this.port.yieldNow();
  }

  /** The engine, opened on first use. */
  private get engine(): Engine {
    this.opened ??= this.open();
    return this.opened;
  }

  private async loop(): Promise<number> {
    const { budgetMs, maxSleepMs } = this.options;
    const deadline = this.port.now() + budgetMs;
    for (;;) {
      const now = this.port.now();
      if (this.stopped) return Number.POSITIVE_INFINITY;
      this.poked = false;
      const wakeAt = this.tick(now);
      const after = this.port.now();
      if (wakeAt - after > maxSleepMs || wakeAt >= deadline) return wakeAt;
      await this.sleep(wakeAt - after);
    }
  }

  /** One tick: sends and callbacks handed to the host; returns when the engine wants the next one. */
  private tick(now: number): number {
    const { tasks, callbacks, wakeAt } = this.engine.tick(now);
    if (tasks.length > 0) this.port.send(tasks);
    if (callbacks.length > 0) this.port.deliver(callbacks);
    return wakeAt;
  }

  /**
   * New work, a settled attempt, a lifted hold: wake a sleeping loop, or tick now (no round trip through
   * the host's wake-up) and arm the next one. Never throws: the caller's own work (a stored job, a
   * recorded report) is done, and a failed tick is retried by the next wake-up.
   */
  private async kick(): Promise<void> {
    if (this.stopped) return;
    if (this.running) return this.poke();
    try {
      await this.arm(this.tick(this.port.now()));
    } catch (error) {
      logEvent({ event: "kick_failed", error: error instanceof Error ? error.message : String(error) });
      await this.arm(this.port.now() + this.options.retryMs).catch(() => undefined);
    }
  }

  private poke(): void {
    this.poked = true;
    this.wakeSleeper?.();
  }

  /** The one place that decides the next wake-up; the port keeps whichever of its wake-ups is earliest. */
  private async arm(at: number): Promise<void> {
    if (this.stopped || !Number.isFinite(at)) return;
    await this.port.schedule(Math.max(at, this.port.now()));
  }

  private sleep(ms: number): Promise<void> {
    if (this.poked || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeSleeper === done) this.wakeSleeper = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wakeSleeper = done;
    });
  }

  /**
   * Stores a request: at once, or for a large one a slice at a time (`storedInSlices`), the host's other
   * work let through between slices; the job is queued whole or not at all. A request that would be
   * refused is refused before anything is written; staged rows of a request that fails are dropped (and
   * those of an instance that dies are dropped when the next one opens the outbox).
   */
  private async store(engine: Engine, request: SubmitRequest): Promise<SubmitResult> {
    if (!storedInSlices(request)) return engine.submit(request, this.port.now());
    const refused = engine.precheck(request, this.port.now());
    if (refused) return refused;
    try {
      for (let from = 0; from < request.batches.length; from += STAGE_SLICE_BATCHES) {
        engine.stage(request, from, request.batches.slice(from, from + STAGE_SLICE_BATCHES));
        await this.port.yieldNow();
      }
      return engine.submit(request, this.port.now(), { staged: true });
    } catch (error) {
      engine.dropStaged(request.jobId);
      throw error;
    }
  }
}
