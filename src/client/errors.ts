/** What the client throws: every error is a `RelayError`; branch on the class, then on `code`. */
import type { JobView, Problem, ProblemCode, RequestError } from "./types.js";

/** Base class of every error the client throws. */
export class RelayError extends Error {
  override name = "RelayError";
}

/** The relay answered with an RFC 9457 problem (`application/problem+json`). */
export class RelayProblemError extends RelayError {
  override name = "RelayProblemError";
  /** The HTTP status. */
  readonly status: number;
  /** The relay's stable reason, e.g. `invalid-request`, `backlog-full`. */
  readonly code: ProblemCode;
  readonly title: string;
  readonly detail: string | undefined;
  /** `invalid-request`: every problem found, with the notification's `index` and `field`. */
  readonly errors: RequestError[];
  /** The server's `Retry-After`, in seconds, when it sent one (429, 503). */
  readonly retryAfterSeconds: number | undefined;
  /** The whole problem body, extension members included (`job` with `job-completed`, `limit`, …). */
  readonly problem: Problem;

  constructor(problem: Problem, retryAfterSeconds: number | undefined) {
    super(`${problem.status} ${problem.code}: ${problem.detail ?? problem.title}`);
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.retryAfterSeconds = retryAfterSeconds ?? problem.retryAfterSeconds;
    this.problem = problem;
  }
}

/** An error answer that is not a problem document (say a proxy's 502 page in front of the relay). */
export class RelayResponseError extends RelayError {
  override name = "RelayResponseError";
  readonly status: number;
  /** The start of the body, at most 500 characters. */
  readonly body: string;

  constructor(status: number, body: string) {
    super(`HTTP ${status} from the relay: ${body.slice(0, 200)}`);
    this.status = status;
    this.body = body.slice(0, 500);
  }
}

/** The relay could not be reached (or did not answer in time) on any attempt within the retry budget. */
export class RelayNetworkError extends RelayError {
  override name = "RelayNetworkError";
  /** Attempts made. */
  readonly attempts: number;

  constructor(message: string, attempts: number, cause: unknown) {
    super(message, { cause });
    this.attempts = attempts;
  }
}

/** `waitFor` ran out of time before the job completed; `job` is its last known state. */
export class RelayWaitTimeoutError extends RelayError {
  override name = "RelayWaitTimeoutError";
  readonly job: JobView;

  constructor(job: JobView, timeoutMs: number) {
    super(`job ${job.jobId} is still ${job.status} after ${timeoutMs} ms`);
    this.job = job;
  }
}

/** Why `verifyCallback` refused a callback. */
export type CallbackRefusal =
  | "missing-headers"
  | "malformed"
  | "stale"
  | "bad-signature"
  | "no-secret"
  | "malformed-body";

/** A completion callback that must not be trusted (answer it with 401, or 400 for `malformed-body`). */
export class CallbackVerificationError extends RelayError {
  override name = "CallbackVerificationError";
  readonly reason: CallbackRefusal;

  constructor(reason: CallbackRefusal, message: string) {
    super(message);
    this.reason = reason;
  }
}
