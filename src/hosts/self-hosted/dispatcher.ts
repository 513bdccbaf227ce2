/**
 * The self-hosted host of the dispatcher (Deno or Node), one per process and clientId: a SQLite outbox,
 * a timer as the wake-up, in-process senders. The app reaches the service through `c.var.dispatcher`.
 * Every decision is the engine's; the loop is the service's.
 */
import { deliverCallbacks } from "../../engine/callback-sender";
import { Engine } from "../../engine/engine";
import { deliverTask } from "../../engine/sender";
import { DispatcherService, PROCESS_LOOP } from "../../engine/service";
import { engineSettings } from "../../engine/settings";
import type { SqlAdapter } from "../../engine/store/sql";
import { logEvent } from "../../log";
import { type Runtime, senderContext } from "../../runtime";

/** The service driven in this process, with what it sends tracked so that a shutdown can wait for it. */
export class ProcessDispatcher {
  readonly service: DispatcherService;
  /** Sends and callback tries on the wire; `stop` waits for them. */
  private readonly sending = new Set<Promise<void>>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt: number | null = null;

  constructor(sql: SqlAdapter, runtime: Runtime, fetchFn: typeof fetch = fetch) {
    const sender = senderContext(runtime);
    const track = (work: Promise<void>): void => {
      const tracked: Promise<void> = work.finally(() => this.sending.delete(tracked));
      this.sending.add(tracked);
    };
    this.service = new DispatcherService(
      // Re-opening reloads what survives a crash: leased batches come back when their leases run out.
      () => new Engine(sql, engineSettings(runtime.config)).open(Date.now()),
      {
        now: Date.now,
        yieldNow: () => new Promise((resolve) => setTimeout(resolve, 0)),
        send: (tasks) => {
          for (const task of tasks) {
            track(
              deliverTask(task, sender, fetchFn)
                .then((outcome) => this.service.report([{ batchId: task.batchId, reqMsgId: task.reqMsgId, outcome }]))
                // The batch stays in flight until its lease runs out, then it is resent.
                .catch((error: unknown) => logEvent({ event: "report_failed", batchId: task.batchId, error: String(error) })),
            );
          }
        },
        deliver: (callbacks) => {
          for (const sent of deliverCallbacks(callbacks, runtime.config.callbackSecret, fetchFn, (r) => this.service.callbackEnded(r))) track(sent);
        },
        schedule: (at) => this.schedule(at),
      },
      PROCESS_LOOP,
    );
  }

  /** Starts at once, so work left by an earlier process resumes. */
  start(): void {
    this.schedule(Date.now());
  }

  /**
   * Stops handing out sends, then waits up to `graceMs` for the sends on the wire to report. Any still
   * out after that stay leased in the outbox and are resent by the next process once the lease runs out.
   */
  async stop(graceMs: number): Promise<{ unfinished: number }> {
    await this.service.stop();
    if (this.timer !== null) clearTimeout(this.timer);
    let timer: ReturnType<typeof setTimeout> | null = null;
    await Promise.race([Promise.all(this.sending), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    if (timer !== null) clearTimeout(timer);
    return { unfinished: this.sending.size };
  }

  /** The port's wake-up: a timer that only ever moves earlier. */
  private schedule(at: number): void {
    if (this.timerAt !== null && this.timerAt <= at) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = null;
      void this.service.wake();
    }, Math.max(0, at - Date.now()));
  }
}
