/** Base class of every error the client throws. */
export class RelayError extends Error {
    name = "RelayError";
}
/** The relay answered with an RFC 9457 problem (`application/problem+json`). */
export class RelayProblemError extends RelayError {
    name = "RelayProblemError";
    /** The HTTP status. */
    status;
    /** The relay's stable reason, e.g. `invalid-request`, `backlog-full`. */
    code;
    title;
    detail;
    /** `invalid-request`: every problem found, with the notification's `index` and `field`. */
    errors;
    /** The server's `Retry-After`, in seconds, when it sent one (429, 503). */
    retryAfterSeconds;
    /** The whole problem body, extension members included (`job` with `job-completed`, `limit`, …). */
    problem;
    constructor(problem, retryAfterSeconds) {
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
    name = "RelayResponseError";
    status;
    /** The start of the body, at most 500 characters. */
    body;
    constructor(status, body) {
        super(`HTTP ${status} from the relay: ${body.slice(0, 200)}`);
        this.status = status;
        this.body = body.slice(0, 500);
    }
}
/** The relay could not be reached (or did not answer in time) on any attempt within the retry budget. */
export class RelayNetworkError extends RelayError {
    name = "RelayNetworkError";
    /** Attempts made. */
    attempts;
    constructor(message, attempts, cause) {
        super(message, { cause });
        this.attempts = attempts;
    }
}
/** `waitFor` ran out of time before the job completed; `job` is its last known state. */
export class RelayWaitTimeoutError extends RelayError {
    name = "RelayWaitTimeoutError";
    job;
    constructor(job, timeoutMs) {
        super(`job ${job.jobId} is still ${job.status} after ${timeoutMs} ms`);
        this.job = job;
    }
}
/** A completion callback that must not be trusted (answer it with 401, or 400 for `malformed-body`). */
export class CallbackVerificationError extends RelayError {
    name = "CallbackVerificationError";
    reason;
    constructor(reason, message) {
        super(message);
        this.reason = reason;
    }
}
