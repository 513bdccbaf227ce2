import { type RetryPolicy } from "./retry.js";
/** What every call shares: where the relay is, how to reach it, how hard to retry. */
export interface Transport {
    baseUrl: string;
    apiKey: string;
    fetch: (input: string, init: RequestInit) => Promise<Response>;
    retry: RetryPolicy;
    /** Time limit of one attempt, in ms. */
    attemptTimeoutMs: number;
    now: () => number;
    random: () => number;
    sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}
/** One call's request. */
export interface CallInit {
    method: "GET" | "POST" | "DELETE";
    path: string;
    headers?: Record<string, string>;
    /** JSON text, sent as is on every attempt. */
    body?: string;
    /** The success statuses this call expects. */
    ok: readonly number[];
    /** Time limit of each attempt, in ms (default: the transport's). */
    attemptTimeoutMs?: number;
    signal?: AbortSignal | undefined;
}
/** A success answer: its status, headers and JSON body. */
export interface Answer<T> {
    status: number;
    headers: Headers;
    body: T;
}
/** Makes the call, retrying network errors and 429/502/503/504 within the policy; throws a `RelayError` otherwise. */
export declare function call<T>(transport: Transport, init: CallInit): Promise<Answer<T>>;
/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export declare function sleep(ms: number, signal?: AbortSignal): Promise<void>;
