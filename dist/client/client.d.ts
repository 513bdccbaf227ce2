import { type RetryPolicy } from "./retry.js";
import type { CallbackSecrets, HoldAnswer, JobView, RelayStatus, SubmitAccepted, SubmitBody } from "./types.js";
/** How to reach the relay. */
export interface RelayClientOptions {
    /** The relay's base URL, e.g. `https://relay.example.com`. */
    baseUrl: string;
    /** A bearer key: one of RELAY_API_KEYS (a caller) or RELAY_ADMIN_KEYS (an operator). */
    apiKey: string;
    /** The `fetch` to use (default: the global one). */
    fetch?: (input: string, init: RequestInit) => Promise<Response>;
    /** How hard to retry network errors, 429, 502, 503 and 504 (default: 5 attempts within 30 s). */
    retry?: Partial<RetryPolicy>;
    /** Time limit of one attempt, in ms (default 30 000; a wait adds its own length). */
    timeoutMs?: number;
}
/** Options of `submit`. */
export interface SubmitOptions {
    /** Makes the submit safe to repeat: the relay returns the job it made for this key. Default: a fresh key per call. */
    idempotencyKey?: string;
    /** `Prefer: wait`: wait up to this many seconds for the job to complete (the relay caps it). */
    waitSeconds?: number;
    signal?: AbortSignal;
}
/** What a submit got: the job stored (202), or with `waitSeconds`, possibly the job completed (200). */
export type SubmitResult = {
    kind: "accepted";
    jobId: string;
    accepted: SubmitAccepted;
    replayed: boolean;
    idempotencyKey: string;
} | {
    kind: "completed";
    jobId: string;
    job: JobView;
    replayed: boolean;
    idempotencyKey: string;
};
/** Options of `waitFor`. */
export interface WaitOptions {
    /** How long to wait for the job to complete, in ms (default 60 000). */
    timeout?: number;
    signal?: AbortSignal;
}
/** A client for one relay and one key. */
export declare class RelayClient {
    #private;
    constructor(options: RelayClientOptions);
    /**
     * Submits notifications (`POST /v1/notifications`). One Idempotency-Key per call, the same on each of
     * its retries, so a retried submit never makes a second job; network errors, 429 and 503 are retried
     * honouring Retry-After within the retry budget. Throws `RelayProblemError` on a refusal (`code`, `errors`).
     */
    submit(body: SubmitBody | string, options?: SubmitOptions): Promise<SubmitResult>;
    /** The job as it stands (`GET /v1/notifications/{jobId}`); `not-found` for another caller's job. */
    job(jobId: string, options?: {
        signal?: AbortSignal;
    }): Promise<JobView>;
    /**
     * Waits until the job completes and returns it: each request asks the relay to hold the answer until
     * the job completes (`Prefer: wait`), so there is no polling unless the relay does not wait. Throws
     * `RelayWaitTimeoutError` (with the last state) when `timeout` passes first.
     */
    waitFor(jobId: string, options?: WaitOptions): Promise<JobView>;
    /** Cancels what of the job has not started (`DELETE`); a completed job is `job-completed` (409). */
    cancel(jobId: string, options?: {
        signal?: AbortSignal;
    }): Promise<JobView>;
    /** Live pace, backlog, results and the caller's recent jobs (`GET /v1/status`). */
    status(options?: {
        signal?: AbortSignal;
    }): Promise<RelayStatus>;
    /** Holds all sending until `resume` (admin keys only; a caller's key gets `forbidden`). */
    pause(reason?: string, options?: {
        signal?: AbortSignal;
    }): Promise<HoldAnswer>;
    /** Lifts a pause (or an open circuit breaker); admin keys only. */
    resume(options?: {
        signal?: AbortSignal;
    }): Promise<HoldAnswer>;
    /**
     * The secrets this key's callbacks are signed with (`GET /v1/callback-secrets`), to give to
     * `verifyCallback`. An admin key may name another caller's `owner`, e.g. `caller:webhook`.
     */
    callbackSecrets(options?: {
        owner?: string;
        signal?: AbortSignal;
    }): Promise<CallbackSecrets>;
}
/** A client for the relay at `options.baseUrl` with `options.apiKey`. */
export declare function createRelayClient(options: RelayClientOptions): RelayClient;
/** A fresh Idempotency-Key: 128 random bits as hex, from the platform's CSPRNG. */
export declare function newIdempotencyKey(): string;
