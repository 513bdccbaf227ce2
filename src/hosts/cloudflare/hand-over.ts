/** How the Durable Object hands work out: sends to `Sender` invocations, callbacks from itself. */
import type { CallbackReport, CallbackTask, SendTask } from "../../engine/api";
import { deliverCallbacks } from "../../engine/callback-sender";
import { logEvent } from "../../log";
import { MAX_CONNECTIONS_PER_INVOCATION } from "./connection-limit";

/** Hands tasks to Sender invocations, at most 6 each. Not awaited: senders report back through `report`. */
export function handOver(ctx: DurableObjectState, tasks: SendTask[]): void {
  for (let i = 0; i < tasks.length; i += MAX_CONNECTIONS_PER_INVOCATION) {
    const group = tasks.slice(i, i + MAX_CONNECTIONS_PER_INVOCATION);
    // A failed hand-over may still have started the sends: the batches stay in flight until their
    // leases run out, and are resent only then (AlipayHK may have them).
    ctx.exports.Sender.send(group).catch((error: unknown) => {
      logEvent({
        event: "sender_failed",
        batches: group.length,
        error: error instanceof Error ? error.message : String(error),
      });
    });
  }
}

/** Completion callbacks go from the object itself (to callers, not AlipayHK: no pace, no Sender). */
export function deliverCallbacksFrom(
  ctx: DurableObjectState,
  callbacks: CallbackTask[],
  secrets: readonly Uint8Array[] | undefined,
  ended: (report: CallbackReport) => Promise<void>,
): void {
  for (const sent of deliverCallbacks(callbacks, secrets, fetch, ended)) ctx.waitUntil(sent);
}
