/**
 * Callers waiting for a job to complete (`Prefer: wait`): woken by the settlement that completes the
 * job, so a waiter never polls the object that paces the sends.
 */

/** Listeners by job id. */
export class Waiters {
  private readonly listeners = new Map<string, Set<() => void>>();

  /** Calls `listener` once when the job completes; returns a function that cancels it. */
  on(jobId: string, listener: () => void): () => void {
    const set = this.listeners.get(jobId) ?? new Set();
    set.add(listener);
    this.listeners.set(jobId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(jobId);
    };
  }

  /** Resolves when the job completes or after `timeoutMs`, whichever comes first. */
  wait(jobId: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        cancel();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const cancel = this.on(jobId, done);
    });
  }

  /** Wakes everyone waiting for `jobId`. */
  completed(jobId: string): void {
    const listeners = this.listeners.get(jobId);
    this.listeners.delete(jobId);
    for (const listener of listeners ?? []) listener();
  }
}
