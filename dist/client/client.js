/**
 * The relay's API for a caller (and an operator): submit notifications safely, follow and cancel jobs,
 * read the status, pause and resume. Runs wherever `fetch` does: Node ≥ 20, Deno, Bun, Workers, browsers.
 */
import { RelayWaitTimeoutError } from "./errors.js";
import { DEFAULT_RETRY } from "./retry.js";
import { call, sleep } from "./transport.js";
/** Longest `Prefer: wait` asked for at once, in seconds (the relay's cap is RELAY_MAX_WAIT_SECONDS, default 60). */
const MAX_WAIT_SECONDS = 60;
/** Polling where the relay does not wait (an older relay, or RELAY_MAX_WAIT_SECONDS=0): from 250 ms to 2 s. */
const POLL_FIRST_MS = 250;
const POLL_MAX_MS = 2_000;
/** Time an answer may take beyond the wait it asked for, in ms. */
const WAIT_MARGIN_MS = 15_000;
/** A client for one relay and one key. */
export class RelayClient {
    #transport;
    constructor(options) {
        const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
        this.#transport = {
            baseUrl: options.baseUrl,
            apiKey: options.apiKey,
            fetch: fetchFn,
            retry: { ...DEFAULT_RETRY, ...options.retry },
            attemptTimeoutMs: options.timeoutMs ?? 30_000,
            now: () => Date.now(),
            random: Math.random,
            sleep,
        };
    }
    /**
     * Submits notifications (`POST /v1/notifications`). One Idempotency-Key per call, the same on each of
     * its retries, so a retried submit never makes a second job; network errors, 429 and 503 are retried
     * honouring Retry-After within the retry budget. Throws `RelayProblemError` on a refusal (`code`, `errors`).
     */
    async submit(body, options = {}) {
        const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey();
        const wait = options.waitSeconds;
        const answer = await call(this.#transport, {
            method: "POST",
            path: "/v1/notifications",
            headers: {
                "idempotency-key": idempotencyKey,
                ...(wait !== undefined ? { prefer: `wait=${Math.max(0, Math.floor(wait))}` } : {}),
            },
            body: typeof body === "string" ? body : JSON.stringify(body),
            ok: [200, 202],
            ...(wait !== undefined ? { attemptTimeoutMs: this.#transport.attemptTimeoutMs + wait * 1000 } : {}),
            signal: options.signal,
        });
        const replayed = answer.headers.get("idempotent-replayed") === "true";
        if (answer.status === 200) {
            const job = answer.body;
            return { kind: "completed", jobId: job.jobId, job, replayed, idempotencyKey };
        }
        const accepted = answer.body;
        return { kind: "accepted", jobId: accepted.jobId, accepted, replayed, idempotencyKey };
    }
    /** The job as it stands (`GET /v1/notifications/{jobId}`); `not-found` for another caller's job. */
    async job(jobId, options = {}) {
        const answer = await call(this.#transport, {
            method: "GET",
            path: jobPath(jobId),
            ok: [200],
            signal: options.signal,
        });
        return answer.body;
    }
    /**
     * Waits until the job completes and returns it: each request asks the relay to hold the answer until
     * the job completes (`Prefer: wait`), so there is no polling unless the relay does not wait. Throws
     * `RelayWaitTimeoutError` (with the last state) when `timeout` passes first.
     */
    async waitFor(jobId, options = {}) {
        const timeout = options.timeout ?? 60_000;
        const deadline = this.#transport.now() + timeout;
        let poll = POLL_FIRST_MS;
        for (;;) {
            const remaining = deadline - this.#transport.now();
            const seconds = Math.min(MAX_WAIT_SECONDS, Math.max(1, Math.floor(remaining / 1000)));
            const asked = this.#transport.now();
            const answer = await call(this.#transport, {
                method: "GET",
                path: jobPath(jobId),
                headers: { prefer: `wait=${seconds}` },
                ok: [200],
                attemptTimeoutMs: seconds * 1000 + WAIT_MARGIN_MS,
                signal: options.signal,
            });
            const job = answer.body;
            if (job.status === "completed")
                return job;
            const left = deadline - this.#transport.now();
            if (left <= 0)
                throw new RelayWaitTimeoutError(job, timeout);
            // The relay held the answer as long as it said it would: ask again at once. Otherwise (no wait
            // applied, or an answer early without the job done) poll with a growing interval.
            const applied = appliedWaitSeconds(answer.headers.get("preference-applied"));
            const held = this.#transport.now() - asked;
            if (applied !== null && applied > 0 && held >= applied * 1000 - 50)
                continue;
            await this.#transport.sleep(Math.min(poll, left), options.signal);
            poll = Math.min(POLL_MAX_MS, poll * 2);
        }
    }
    /** Cancels what of the job has not started (`DELETE`); a completed job is `job-completed` (409). */
    async cancel(jobId, options = {}) {
        const answer = await call(this.#transport, {
            method: "DELETE",
            path: jobPath(jobId),
            ok: [200],
            signal: options.signal,
        });
        return answer.body;
    }
    /** Live pace, backlog, results and the caller's recent jobs (`GET /v1/status`). */
    async status(options = {}) {
        return (await call(this.#transport, { method: "GET", path: "/v1/status", ok: [200], signal: options.signal })).body;
    }
    /** Holds all sending until `resume` (admin keys only; a caller's key gets `forbidden`). */
    async pause(reason, options = {}) {
        const body = reason === undefined ? "{}" : JSON.stringify({ reason });
        return (await call(this.#transport, {
            method: "POST",
            path: "/v1/pause",
            body,
            ok: [200],
            signal: options.signal,
        })).body;
    }
    /** Lifts a pause (or an open circuit breaker); admin keys only. */
    async resume(options = {}) {
        return (await call(this.#transport, { method: "POST", path: "/v1/resume", ok: [200], signal: options.signal })).body;
    }
    /**
     * The secrets this key's callbacks are signed with (`GET /v1/callback-secrets`), to give to
     * `verifyCallback`. An admin key may name another caller's `owner`, e.g. `caller:webhook`.
     */
    async callbackSecrets(options = {}) {
        const query = options.owner === undefined ? "" : `?owner=${encodeURIComponent(options.owner)}`;
        return (await call(this.#transport, {
            method: "GET",
            path: `/v1/callback-secrets${query}`,
            ok: [200],
            signal: options.signal,
        })).body;
    }
}
/** A client for the relay at `options.baseUrl` with `options.apiKey`. */
export function createRelayClient(options) {
    return new RelayClient(options);
}
/** A fresh Idempotency-Key: 128 random bits as hex, from the platform's CSPRNG. */
export function newIdempotencyKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return `idem_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
function jobPath(jobId) {
    return `/v1/notifications/${encodeURIComponent(jobId)}`;
}
/** `wait=N` of a Preference-Applied header, in seconds, or null. */
function appliedWaitSeconds(header) {
    const match = /(?:^|[\s,;])wait=(\d+)/i.exec(header ?? "");
    return match ? Number(match[1]) : null;
}
