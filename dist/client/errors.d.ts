/** What the client throws: every error is a `RelayError`; branch on the class, then on `code`. */
import type { JobView, Problem, ProblemCode, RequestError } from "./types.js";
/** Base class of every error the client throws. */
export declare class RelayError extends Error {
    name: string;
}
/** The relay answered with an RFC 9457 problem (`application/problem+json`). */
export declare class RelayProblemError extends RelayError {
    name: string;
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
    constructor(problem: Problem, retryAfterSeconds: number | undefined);
}
/** An error answer that is not a problem document (say a proxy's 502 page in front of the relay). */
export declare class RelayResponseError extends RelayError {
    name: string;
    readonly status: number;
    /** The start of the body, at most 500 characters. */
    readonly body: string;
    constructor(status: number, body: string);
}
/** The relay could not be reached (or did not answer in time) on any attempt within the retry budget. */
export declare class RelayNetworkError extends RelayError {
    name: string;
    /** Attempts made. */
    readonly attempts: number;
    constructor(message: string, attempts: number, cause: unknown);
}
/** `waitFor` ran out of time before the job completed; `job` is its last known state. */
export declare class RelayWaitTimeoutError extends RelayError {
    name: string;
    readonly job: JobView;
    constructor(job: JobView, timeoutMs: number);
}
/** Why `verifyCallback` refused a callback. */
export type CallbackRefusal = "missing-headers" | "malformed" | "stale" | "bad-signature" | "no-secret" | "malformed-body";
/** A completion callback that must not be trusted (answer it with 401, or 400 for `malformed-body`). */
export declare class CallbackVerificationError extends RelayError {
    name: string;
    readonly reason: CallbackRefusal;
    constructor(reason: CallbackRefusal, message: string);
}
