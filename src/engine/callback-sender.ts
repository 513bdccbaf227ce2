/**
 * One completion callback try carried out: POST the job document, signed with Standard Webhooks, and
 * report how it ended. Web APIs only, shared by every host. Never rejects: every ending is a report.
 */
import { logEvent } from "../log";
import { failureOfError, failureOfStatus } from "../security/callback-failure";
import { signCallback } from "../security/callback-secret";
import type { CallbackReport, CallbackTask } from "./api";
import { CALLBACK_TIMEOUT_MS } from "./decide/callback-policy";

/**
 * Sends one try through `fetchFn`, signed for the job's owner under each RELAY_CALLBACK_SECRET entry
 * (`secrets`; undefined: not configured).
 */
export async function sendCallback(
  task: CallbackTask,
  secrets: readonly Uint8Array[] | undefined,
  fetchFn: typeof fetch,
  now: () => number,
): Promise<CallbackReport> {
  const ended = (delivered: boolean, error: string | null): CallbackReport => ({
    jobId: task.jobId,
    attempt: task.attempt,
    delivered,
    error,
  });
  if (!secrets?.length) return ended(false, "RELAY_CALLBACK_SECRET is not set: the callback is not sent unsigned");
  // Standard Webhooks: the timestamp is seconds; the id stays the same on every try so receivers can dedupe.
  const timestamp = Math.floor(now() / 1000);
  const signature = signCallback({ id: task.webhookId, timestamp, body: task.body, roots: secrets, owner: task.owner });
  try {
    const res = await fetchFn(task.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": task.webhookId,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signature,
      },
      body: task.body,
      // A redirect is not followed (it could lead anywhere); it counts as a failed try.
      redirect: "manual",
      signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
    });
    await res.body?.cancel().catch(() => undefined);
    return res.status >= 200 && res.status < 300 ? ended(true, null) : ended(false, failureOfStatus(res.status));
  } catch (error) {
    // A class only (`refused`, `timeout`, `blocked-address`, …): the runtime's text would map the relay's network for the caller.
    return ended(false, failureOfError(error));
  }
}

/**
 * Sends each callback try and hands its ending to `ended` (the service's `callbackEnded`). Returns one
 * promise per try, never rejecting, for a host that must keep them alive.
 */
export function deliverCallbacks(
  tasks: readonly CallbackTask[],
  secrets: readonly Uint8Array[] | undefined,
  fetchFn: typeof fetch,
  ended: (report: CallbackReport) => Promise<void>,
): Promise<void>[] {
  return tasks.map((task) =>
    sendCallback(task, secrets, fetchFn, Date.now)
      .then(ended)
      .catch((error: unknown) => {
        logEvent({
          event: "callback_failed",
          jobId: task.jobId,
          error: error instanceof Error ? error.message : String(error),
        });
      }),
  );
}
