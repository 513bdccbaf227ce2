/** The shapes the engine trades with its hosts and the HTTP layer. Plain data: they cross RPC boundaries. */
import type { WireBatch } from "../core/batch";
import type { ResultClass, SendOutcome } from "../core/types";
import type { DegradedReason, DispatcherStatus, JobView } from "./answers";
import type { DispatcherMetrics } from "./metrics";

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
  /** Nothing of the job leaves before this, ms epoch. */
  sendAfter?: number;
  /** Batches not started by this end `expired`, never sent, ms epoch. */
  expiresAt?: number;
  /** `fail`: at-most-once; a batch that may have reached AlipayHK is never sent again. Default `retry`. */
  onUnknown?: "retry" | "fail";
  /** Where the final job document is POSTed (signed) when the job completes. */
  callbackUrl?: string;
}

/** The engine's answer to a cancel. */
export type CancelResult =
  | { kind: "cancelled"; job: JobView }
  | { kind: "completed"; job: JobView }
  | { kind: "not-found" };

/** A completion callback try for the host to send: POST `body` to `url`, signed under `webhookId`. */
export interface CallbackTask {
  jobId: string;
  /** The job's owner: the callback is signed with that caller's secret. */
  owner: string;
  url: string;
  /** Standard Webhooks `webhook-id`: one per job, the same on every try. */
  webhookId: string;
  /** The job document, as JSON text. */
  body: string;
  /** This try's number, from 1. */
  attempt: number;
}

/** How a callback try ended, as the host reports it. */
export interface CallbackReport {
  jobId: string;
  attempt: number;
  /** True for a 2xx answer. */
  delivered: boolean;
  /** Why not, e.g. `HTTP 500` or `timeout` (never the receiver's body). */
  error: string | null;
}

import type { SubmitResult } from "./answers";
export type { BacklogFull, Refusal, SubmitResult } from "./answers";

/**
 * How a `Prefer: wait` ended: the job (null when the caller may not see it), and `refused` when the
 * caller already held RELAY_MAX_WAITS_PER_CALLER waits open, so it was answered at once.
 */
export interface JobWait {
  job: JobView | null;
  refused: boolean;
}

/** One request handed to a sender. */
export interface SendTask {
  clientId: string;
  requestId: number;
  reqMsgId: string;
  merchantId: string;
  /** Notifications in the request (1..100). */
  size: number;
  /** The request's `notificationInfos` JSON text, assembled from the stored wire text of its notifications. */
  notificationInfos: string;
  /** The pacer's slot for this send (ms epoch): the request leaves no earlier. */
  notBefore: number;
  /** The slot's end (ms epoch): a request not ready by then does not leave (`missed-slot`). */
  notAfter: number;
}

/** What a sender reports back after one attempt. */
export interface SendReport {
  requestId: number;
  reqMsgId: string;
  outcome: SendOutcome;
}

export type { BatchView, DegradedReason, DispatcherStatus, HoldView, JobView, SourceView } from "./answers";
export type { DispatcherMetrics } from "./metrics";

/** A storefront event a source verified and answered 2xx without queuing it, to be counted. */
export interface SourceEventRecord {
  /** The source's name (RELAY_SOURCES). */
  source: string;
  /** Why it was not queued (src/sources/outcomes.ts). */
  reason: string;
  /** Its event type, when it could be read. */
  eventType: string | null;
  /** When it was answered, ms epoch. */
  at: number;
}

/** A result class together with the code that explains it, for storage and logs. */
export interface AttemptResult {
  resultClass: ResultClass;
  resultStatus: string;
  resultCode: string;
  resultMsg: string;
}

/** What the HTTP layer calls on a dispatcher, whichever host runs it (a Durable Object, a Node or Deno process). */
export interface DispatcherApi {
  /** Stores an accepted request before the caller answers 202, and starts sending at once. */
  submit(request: SubmitRequest): Promise<SubmitResult>;
  /** The job if `owner` may see it (null: an admin). */
  getJob(owner: string | null, jobId: string): Promise<JobView | null>;
  /**
   * Resolves with the job once it completes, or as it stands after `timeoutMs`; `waiter` is the caller
   * who waits (its owner id, also for an admin), whose open waits are capped.
   */
  waitForJob(owner: string | null, jobId: string, timeoutMs: number, waiter: string): Promise<JobWait>;
  /** Cancels what of the job has not started, if `owner` may see it (null: an admin). */
  cancelJob(owner: string | null, jobId: string): Promise<CancelResult>;
  /** Live pace, backlog, holds and recent jobs (`owner`'s, or everyone's for null). */
  status(owner: string | null): Promise<DispatcherStatus>;
  /** Why sending is impaired (held, or storage nearly full); empty while all is well. */
  health(): Promise<DegradedReason[]>;
  /** Senders' reports; each settles its attempt. */
  report(reports: SendReport[]): Promise<void>;
  /** An operator's pause of all sending (accepted work still queues); `by` names who paused. */
  pause(reason: string, by?: string): Promise<void>;
  /** Lifts a pause or an open breaker. */
  resume(): Promise<void>;
  /** Counts a storefront event that was answered 2xx but not queued (shown in the status and metrics). */
  recordSourceEvent(event: SourceEventRecord): Promise<void>;
  /** The status as an admin sees it and the totals counted since this instance started, in one snapshot. */
  metrics(): Promise<DispatcherMetrics>;
}
