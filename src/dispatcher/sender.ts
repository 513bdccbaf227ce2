import { WorkerEntrypoint } from "cloudflare:workers";
import { sendBatch } from "../core/client";
import type { SendOutcome } from "../core/types";
import { logEvent } from "../log";
import { loadRuntime } from "../runtime";
import { relayOutcome } from "./attempt-result";
import { MAX_CONNECTIONS_PER_INVOCATION, forEachLimited } from "./connection-limit";
import type { SendTask } from "./types";

/** How many times a sender tries to hand its report to the dispatcher before the lease takes over. */
const REPORT_TRIES = 3;

/**
 * A separate invocation per handful of batches: it signs, sends, verifies and reports back to the
 * dispatcher. Spreading sends over invocations is what lets one clientId reach its quota while each
 * invocation stays within Cloudflare's 6 waiting connections.
 */
export class Sender extends WorkerEntrypoint<Env> {
  /** Accepts the tasks and answers at once; the sends go on in the background of this invocation. */
  async send(tasks: SendTask[]): Promise<void> {
    if (tasks.length > MAX_CONNECTIONS_PER_INVOCATION) {
      throw new RangeError(`at most ${MAX_CONNECTIONS_PER_INVOCATION} tasks per sender invocation`);
    }
    this.ctx.waitUntil(forEachLimited(tasks, MAX_CONNECTIONS_PER_INVOCATION, (task) => this.deliver(task)));
  }

  private async deliver(task: SendTask): Promise<void> {
    const outcome = await this.attempt(task);
    const dispatcher = this.env.DISPATCHER.getByName(task.clientId);
    for (let tries = 1; tries <= REPORT_TRIES; tries++) {
      try {
        await dispatcher.report({ batchId: task.batchId, reqMsgId: task.reqMsgId, outcome });
        return;
      } catch (error) {
        logEvent({
          event: "report_failed",
          batchId: task.batchId,
          reqMsgId: task.reqMsgId,
          tries,
          error: String(error),
        });
      }
    }
  }

  private async attempt(task: SendTask): Promise<SendOutcome> {
    const loaded = await loadRuntime(this.env);
    if (!loaded.ok)
      return relayOutcome(
        "not-sent",
        task.reqMsgId,
        `not sent: configuration invalid (${loaded.errors.map((e) => e.setting).join(", ")})`,
      );
    const { config, signingKey, verifyKey } = loaded.runtime;
    // sendBatch returns every transport failure as an outcome; only signing itself can reject.
    return sendBatch({
      fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
      url: config.gatewayUrl,
      clientId: config.clientId,
      merchantId: task.merchantId,
      notificationInfos: task.notificationInfos,
      signingKey,
      verifyKey,
      timeoutMs: config.sendTimeoutMs,
      utcOffsetMinutes: config.utcOffsetMinutes,
      newReqMsgId: () => task.reqMsgId,
      notBefore: task.notBefore,
      notAfter: task.notAfter,
    }).catch((error: unknown) =>
      relayOutcome("not-sent", task.reqMsgId, `not sent: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
}
