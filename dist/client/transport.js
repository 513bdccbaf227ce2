/**
 * One logical call to the relay: its attempts, each with a time limit, the waits between them (see
 * ./retry.ts), and the answer turned into JSON or a typed error. `fetch` is all it needs.
 */
import { RelayNetworkError, RelayProblemError, RelayResponseError } from "./errors.js";
import { nextDelay, RETRYABLE_STATUSES, retryAfterMs } from "./retry.js";
/** Makes the call, retrying network errors and 429/502/503/504 within the policy; throws a `RelayError` otherwise. */
export async function call(transport, init) {
    const started = transport.now();
    const headers = {
        accept: "application/json, application/problem+json",
        authorization: `Bearer ${transport.apiKey}`,
        ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
        ...init.headers,
    };
    const url = transport.baseUrl.replace(/\/+$/, "") + init.path;
    for (let attempt = 1;; attempt++) {
        let res;
        try {
            res = await attempted(transport, url, { method: init.method, headers, body: init.body ?? null }, init.attemptTimeoutMs ?? transport.attemptTimeoutMs, init.signal);
        }
        catch (error) {
            if (init.signal?.aborted)
                throw init.signal.reason ?? error;
            const delay = nextDelay(transport.retry, attempt, transport.now() - started, undefined, transport.random());
            if (delay === null) {
                const reason = error instanceof Error ? error.message : String(error);
                throw new RelayNetworkError(`${init.method} ${init.path}: ${reason} (after ${attempt} attempt${attempt === 1 ? "" : "s"})`, attempt, error);
            }
            await transport.sleep(delay, init.signal);
            continue;
        }
        if (init.ok.includes(res.status))
            return { status: res.status, headers: res.headers, body: (await res.json()) };
        const error = await errorOf(res, transport.now());
        // A relay that is not configured will not be within seconds: only passing trouble is worth another try.
        const passing = RETRYABLE_STATUSES.has(res.status) && !(error instanceof RelayProblemError && error.code === "not-configured");
        if (passing) {
            const wait = retryAfterMs(res.headers.get("retry-after"), transport.now());
            const delay = nextDelay(transport.retry, attempt, transport.now() - started, wait, transport.random());
            if (delay !== null) {
                await transport.sleep(delay, init.signal);
                continue;
            }
        }
        throw error;
    }
}
/** One attempt, aborted after `timeoutMs` or when `signal` aborts. */
async function attempted(transport, url, init, timeoutMs, signal) {
    signal?.throwIfAborted();
    const controller = new AbortController();
    const abort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", abort, { once: true });
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
        return await transport.fetch(url, { ...init, signal: controller.signal });
    }
    catch (error) {
        // Report the timeout as such, not as the runtime's generic AbortError.
        throw controller.signal.aborted && !signal?.aborted ? controller.signal.reason : error;
    }
    finally {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
    }
}
/** The typed error for an answer that is not a success. */
async function errorOf(res, now) {
    const text = await res.text().catch(() => "");
    const retryAfter = retryAfterMs(res.headers.get("retry-after"), now);
    if ((res.headers.get("content-type") ?? "").startsWith("application/problem+json")) {
        try {
            const problem = JSON.parse(text);
            if (typeof problem.code === "string")
                return new RelayProblemError(problem, retryAfter === undefined ? undefined : Math.ceil(retryAfter / 1000));
        }
        catch {
            // Not JSON after all: reported as a plain error answer below.
        }
    }
    return new RelayResponseError(res.status, text);
}
/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted)
            return reject(signal.reason);
        const done = () => {
            signal?.removeEventListener("abort", aborted);
            resolve();
        };
        const timer = setTimeout(done, ms);
        const aborted = () => {
            clearTimeout(timer);
            reject(signal?.reason);
        };
        signal?.addEventListener("abort", aborted, { once: true });
    });
}
