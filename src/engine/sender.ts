/** One send task carried out: sign, hold until the slot, send, verify. Shared by every host's senders. */
import { sendBatch } from "../core/client";
import type { SendOutcome } from "../core/types";
import type { SendTask } from "./api";
import { relayOutcome } from "./decide/result";

/** What a sender signs and sends with: the gateway, the clientId and both imported keys. */
export interface SenderContext {
  gatewayUrl: string;
  clientId: string;
  signingKey: CryptoKey;
  verifyKey: CryptoKey;
  /** How long a send waits for AlipayHK's answer, ms. */
  sendTimeoutMs: number;
  /** The offset `reqTime` is written in, minutes east of UTC. */
  utcOffsetMinutes: number;
}

/** Sends one task through `fetchFn`; every ending is an outcome, never a rejection. */
export async function deliverTask(task: SendTask, context: SenderContext, fetchFn: typeof fetch): Promise<SendOutcome> {
  const { gatewayUrl, clientId, signingKey, verifyKey, sendTimeoutMs, utcOffsetMinutes } = context;
  try {
    return await sendBatch({
      fetch: fetchFn,
      url: gatewayUrl,
      clientId,
      merchantId: task.merchantId,
      notificationInfos: task.notificationInfos,
      signingKey,
      verifyKey,
      timeoutMs: sendTimeoutMs,
      utcOffsetMinutes,
      newReqMsgId: () => task.reqMsgId,
      notBefore: task.notBefore,
      notAfter: task.notAfter,
    });
  } catch (error) {
    // sendBatch rejects only when signing fails: nothing left the relay.
    return relayOutcome(
      "not-sent",
      task.reqMsgId,
      `not sent: ${error instanceof Error ? error.message : String(error)}`,
      Date.now(),
    );
  }
}
