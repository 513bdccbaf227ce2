/** One send task carried out: sign, hold until the slot, send, verify. Shared by every host's senders. */
import { sendBatch } from "../core/client";
import type { SendOutcome } from "../core/types";
import type { Runtime } from "../runtime";
import { relayOutcome } from "./attempt-result";
import type { SendTask } from "./types";

/** Sends one task with the runtime's keys through `fetchFn`; every ending is an outcome, never a rejection. */
export async function deliverTask(task: SendTask, runtime: Runtime, fetchFn: typeof fetch): Promise<SendOutcome> {
  const { config, signingKey, verifyKey } = runtime;
  try {
    return await sendBatch({
      fetch: fetchFn,
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
    });
  } catch (error) {
    // sendBatch rejects only when signing fails: nothing left the relay.
    return relayOutcome("not-sent", task.reqMsgId, `not sent: ${error instanceof Error ? error.message : String(error)}`, Date.now());
  }
}
