import { WorkerEntrypoint } from "cloudflare:workers";
import { relayOutcome } from "../../engine/decide/result";
import { deliverTask } from "../../engine/sender";
import type { SendReport, SendTask } from "../../engine/api";
import { logEvent } from "../../log";
import { loadRuntime, senderContext } from "../../runtime";
import { MAX_CONNECTIONS_PER_INVOCATION, forEachLimited } from "./connection-limit";

/**
 * Reports wait this long for the rest of their invocation's sends, ms: a group's answers come back
 * within about its slots' spread (the lead), so most invocations report once, when the last one ends.
 */
const REPORT_COALESCE_MS = 100;
/** Waits between tries of a report, ms; after the last, the batch's lease takes over. */
const REPORT_BACKOFF_MS = [50, 200, 800, 2_000, 5_000];

/**
 * A separate invocation per handful of batches: it signs, holds each until its slot, sends, verifies
 * and reports back to the dispatcher. Spreading sends over invocations is what lets one clientId reach
 * its quota while each invocation stays within Cloudflare's 6 waiting connections.
 */
export class Sender extends WorkerEntrypoint<Env> {
  /** Accepts the tasks and answers at once; the sends go on in the background of this invocation. */
  async send(tasks: SendTask[]): Promise<void> {
    if (tasks.length > MAX_CONNECTIONS_PER_INVOCATION) {
      throw new RangeError(`at most ${MAX_CONNECTIONS_PER_INVOCATION} tasks per sender invocation`);
    }
    this.ctx.waitUntil(this.deliver(tasks));
  }

  private async deliver(tasks: SendTask[]): Promise<void> {
    const clientId = tasks[0]?.clientId;
    if (clientId === undefined) return;
    const loaded = await loadRuntime(this.env);
    const pending: SendReport[] = [];
    let flushing: Promise<void> | null = null;
    // Ends the wait of the flush in progress (the invocation's last send has ended).
    const wait: { end: (() => void) | null } = { end: null };
    const flush = async (): Promise<void> => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, REPORT_COALESCE_MS);
        wait.end = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      flushing = null;
      wait.end = null;
      await this.report(clientId, pending.splice(0));
    };
    const flushes: Promise<void>[] = [];
    let ended = 0;
    await forEachLimited(tasks, MAX_CONNECTIONS_PER_INVOCATION, async (task) => {
      const outcome = loaded.ok
        ? await deliverTask(task, senderContext(loaded.runtime), (input, init) => fetch(input, init))
        : relayOutcome(
            "not-sent",
            task.reqMsgId,
            `not sent: configuration invalid (${loaded.errors.map((e) => e.setting).join(", ")})`,
            Date.now(),
          );
      pending.push({ requestId: task.requestId, reqMsgId: task.reqMsgId, outcome });
      if (!flushing) {
        flushing = flush();
        flushes.push(flushing);
      }
      if (++ended === tasks.length) wait.end?.();
    });
    await Promise.all(flushes);
  }

  /**
   * Hands reports to the dispatcher: a fresh stub per try (a broken stub stays broken), backing off, and
   * giving up at once on an overloaded object (retrying would add to the load; the leases take over).
   */
  private async report(clientId: string, reports: SendReport[]): Promise<void> {
    if (reports.length === 0) return;
    for (let tries = 0; ; tries++) {
      try {
        await this.env.DISPATCHER.getByName(clientId).report(reports);
        return;
      } catch (error) {
        const flags = error as { retryable?: boolean; overloaded?: boolean };
        const delay = REPORT_BACKOFF_MS[tries];
        const retry = flags.overloaded !== true && flags.retryable !== false && delay !== undefined;
        logEvent({ event: "report_failed", batches: reports.length, tries: tries + 1, retry, error: String(error) });
        if (!retry) return;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
