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
import type { SendReport } from "../../engine/api";

/**
 * How long reports gather before they settle together, ms: a few answers' worth at 200 per second, and
 * far below anything a caller or the pace would notice (a settled request only frees its place on the wire).
 */
const REPORT_GATHER_MS = 10;

/** The service driven in this process, with what it sends tracked so that a shutdown can wait for it. */
export class ProcessDispatcher {
  readonly service: DispatcherService;
  /** Sends and callback tries on the wire; `stop` waits for them. */
  private readonly sending = new Set<Promise<void>>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Reports waiting for the next turn's group commit, and that commit once it is planned. */
  private readonly reports: SendReport[] = [];
  private settling: Promise<void> | null = null;
  private timerAt: number | null = null;

  /** `fetchFn` reaches AlipayHK; `callbackFetch`, the callers' callback receivers (see callback-fetch.ts). */
  constructor(sql: SqlAdapter, runtime: Runtime, fetchFn: typeof fetch = fetch, callbackFetch: typeof fetch = fetchFn) {
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
              deliverTask(task, sender, fetchFn).then((outcome) =>
                this.reportSoon({ requestId: task.requestId, reqMsgId: task.reqMsgId, outcome }),
              ),
            );
          }
        },
        deliver: (callbacks) => {
          for (const sent of deliverCallbacks(callbacks, runtime.config.callbackSecret, callbackFetch, (r) =>
            this.service.callbackEnded(r),
          ))
            track(sent);
        },
        schedule: (at) => this.schedule(at),
      },
      PROCESS_LOOP,
    );
  }

  /**
   * Reports gather for `REPORT_GATHER_MS` and settle together, in one commit (a group commit): under a
   * backlog, answers arrive a few milliseconds apart, and each commit costs more than the work it
   * carries. Resolves once this report's group is settled (a shutdown waits for it); never rejects: a
   * report that cannot be stored leaves its request on the wire until the lease runs out, then it is resent.
   */
  private reportSoon(report: SendReport): Promise<void> {
    this.reports.push(report);
    this.settling ??= new Promise<void>((resolve) => {
      setTimeout(() => {
        const reports = this.reports.splice(0);
        this.settling = null;
        this.service
          .report(reports)
          .catch((error: unknown) =>
            logEvent({ event: "report_failed", requests: reports.length, error: String(error) }),
          )
          .finally(resolve);
      }, REPORT_GATHER_MS);
    });
    return this.settling;
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
    await Promise.race([
      Promise.all(this.sending),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    if (timer !== null) clearTimeout(timer);
    return { unfinished: this.sending.size };
  }

  /** The port's wake-up: a timer that only ever moves earlier. */
  private schedule(at: number): void {
    if (this.timerAt !== null && this.timerAt <= at) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.timerAt = null;
        void this.service.wake();
      },
      Math.max(0, at - Date.now()),
    );
  }
}
