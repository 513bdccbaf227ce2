/**
 * The loop that drives an engine in real time: tick, hand the tasks to the host's senders, sleep until
 * the engine's next wake-up or until poked (new work, a report). Shared by every host; the engine's
 * decisions do not depend on it, so tests drive `Engine.tick` directly on a fake clock instead.
 */
import type { Engine } from "./engine";
import type { CallbackTask, SendTask } from "./types";

/** What the loop needs from its host. */
export interface PumpHost {
  /** The wall clock, ms epoch. */
  now(): number;
  /** Hands tasks to senders; must not block (the sends run elsewhere and report back). */
  send(tasks: SendTask[]): void;
  /** Sends completion callback tries (see `sendCallback`) and feeds each ending to `Engine.callbackReport`; must not block. */
  deliver(callbacks: CallbackTask[]): void;
  /** Called before each tick (a Durable Object re-arms its backstop alarm here). */
  beforeTick?(now: number): Promise<void>;
}

/** How one run ended: at `wakeAt` (ms epoch) the engine wants to tick again. */
export interface PumpStop {
  wakeAt: number;
}

/** Drives one engine; at most one `run` at a time. */
export class Pump {
  private wake: (() => void) | null = null;
  private running = false;
  /** Set by a poke that came while the loop was not sleeping: the next sleep is skipped. */
  private poked = false;
  /** Set by `stop`: the loop returns instead of ticking again. */
  private stopped = false;

  private readonly engine: Engine;
  private readonly host: PumpHost;

  constructor(engine: Engine, host: PumpHost) {
    this.engine = engine;
    this.host = host;
  }

  /** True while `run` is looping. */
  get active(): boolean {
    return this.running;
  }

  /** Wakes a sleeping loop now (new work was stored, or a report settled a batch). */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  /** Ends a running loop before its next tick (a self-hosted process shutting down); `run` then resolves. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /**
   * Ticks until `deadline` (ms epoch), or until the next wake-up is more than `maxSleepMs` away; returns
   * when the engine wants the next tick, for the host to schedule (an alarm, a timer).
   */
  async run(deadline: number, maxSleepMs: number): Promise<PumpStop> {
    if (this.running) throw new Error("the pump is already running");
    this.running = true;
    try {
      for (;;) {
        const now = this.host.now();
        if (this.stopped) return { wakeAt: now };
        await this.host.beforeTick?.(now);
        this.poked = false;
        const { tasks, callbacks, wakeAt } = this.engine.tick(now);
        if (tasks.length > 0) this.host.send(tasks);
        if (callbacks.length > 0) this.host.deliver(callbacks);
        const after = this.host.now();
        if (wakeAt - after > maxSleepMs || wakeAt >= deadline) return { wakeAt };
        await this.sleep(wakeAt - after);
      }
    } finally {
      this.running = false;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.poked || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wake = done;
    });
  }
}
