import type { WireBatch } from "../core/batch";
import type { ResultClass, SendOutcome } from "../core/types";

/** A request accepted by the Worker, handed to the dispatcher to be stored before the 202. */
export interface SubmitRequest {
  jobId: string;
  owner: string;
  idempotencyKey?: string;
  /** SHA-256 hex of the raw request body: the same key with another body is refused. */
  bodyHash: string;
  /** Standard Webhooks `webhook-id`, refused if seen before. */
  webhookId?: string;
  merchantId: string;
  batches: WireBatch[];
}

/** The dispatcher's answer to a submit. */
export type SubmitResult =
  | { kind: "created"; job: JobView; estimatedSeconds: number }
  | { kind: "existing"; job: JobView; estimatedSeconds: number }
  | { kind: "idempotency-mismatch" }
  | { kind: "webhook-replayed" }
  | { kind: "backlog-full"; retryAfterSeconds: number; backlogBatches: number };

/** One batch handed to a sender invocation. */
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

/** What a sender invocation reports back after one attempt. */
export interface SendReport {
  batchId: number;
  reqMsgId: string;
  outcome: SendOutcome;
}

/** Per-batch view in a job's status. */
export interface BatchView {
  seq: number;
  size: number;
  status: "queued" | "sending" | "succeeded" | "failed";
  attempts: number;
  reqMsgId: string | null;
  resultStatus: string | null;
  resultCode: string | null;
  resultMsg: string | null;
}

/** The job as `GET /v1/notifications/{jobId}` shows it. */
export interface JobView {
  jobId: string;
  status: "queued" | "running" | "completed";
  merchantId: string;
  total: number;
  succeeded: number;
  failed: number;
  pending: number;
  createdAt: string;
  completedAt: string | null;
  batches: BatchView[];
  failures: { openId: string; resultCode: string; resultMsg: string }[];
}

/** Live figures for `GET /v1/status` and the dashboard. */
export interface DispatcherStatus {
  pace: { configuredRps: number; liveRps: number; sentLastSecond: number; lastExceedAt: string | null };
  backlog: { batches: number; notifications: number; etaSeconds: number };
  inFlight: number;
  results: Record<string, number>;
  resultWindowSeconds: number;
  sendsPerSecond: { at: number; sends: number; exceeded: number }[];
  recentJobs: {
    jobId: string;
    status: JobView["status"];
    total: number;
    succeeded: number;
    failed: number;
    createdAt: string;
  }[];
  adaptations: { at: string; liveRps: number; reason: string }[];
}

/** A result class together with the code that explains it, for storage and logs. */
export interface AttemptResult {
  resultClass: ResultClass;
  resultStatus: string;
  resultCode: string;
  resultMsg: string;
}
