/** The shapes the engine trades with its hosts and the HTTP layer. Plain data: they cross RPC boundaries. */
import type { WireBatch } from "../core/batch";
import type { ResultClass, SendOutcome } from "../core/types";
import type { JobView } from "./schemas";

/** A request accepted by the HTTP layer, handed to the engine to be stored before the 202. */
export interface SubmitRequest {
  jobId: string;
  owner: string;
  idempotencyKey?: string;
  /** SHA-256 hex of the raw request body: the same key (or webhook-id) with another body is refused. */
  bodyHash: string;
  /** Standard Webhooks `webhook-id`: a retry with the same id and body gets its job back. */
  webhookId?: string;
  merchantId: string;
  batches: WireBatch[];
}

/** The engine's answer to a submit. */
export type SubmitResult =
  | { kind: "created"; job: JobView; estimatedSeconds: number }
  | { kind: "existing"; job: JobView; estimatedSeconds: number }
  | { kind: "idempotency-mismatch" }
  | { kind: "webhook-replayed" }
  | { kind: "backlog-full"; retryAfterSeconds: number; backlogBatches: number };

/** One batch handed to a sender. */
export interface SendTask {
  clientId: string;
  batchId: number;
  reqMsgId: string;
  merchantId: string;
  /** The batch's `notificationInfos` JSON text, as stored. */
  notificationInfos: string;
  /** The pacer's slot for this send (ms epoch): the request leaves no earlier. */
  notBefore: number;
  /** The slot's end (ms epoch): a request not ready by then does not leave (`missed-slot`). */
  notAfter: number;
}

/** What a sender reports back after one attempt. */
export interface SendReport {
  batchId: number;
  reqMsgId: string;
  outcome: SendOutcome;
}

export type { BatchView, DegradedReason, DispatcherStatus, HoldView, JobView } from "./schemas";

/** A result class together with the code that explains it, for storage and logs. */
export interface AttemptResult {
  resultClass: ResultClass;
  resultStatus: string;
  resultCode: string;
  resultMsg: string;
}
