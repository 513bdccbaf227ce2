/**
 * One logical call to the relay: its attempts, each with a time limit, the waits between them (see
 * ./retry.ts), and the answer turned into JSON or a typed error. `fetch` is all it needs.
 */
import { RelayNetworkError, RelayProblemError, RelayResponseError } from "./errors.js";
import { nextDelay, RETRYABLE_STATUSES, type RetryPolicy, retryAfterMs } from "./retry.js";
import type { Problem } from "./types.js";

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
export async function call<T>(transport: Transport, init: CallInit): Promise<Answer<T>> {
  const started = transport.now();
  const headers: Record<string, string> = {
    accept: "application/json, application/problem+json",
    authorization: `Bearer ${transport.apiKey}`,
    ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
    ...init.headers,
  };
  const url = transport.baseUrl.replace(/\/+$/, "") + init.path;
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await attempted(
        transport,
        url,
        { method: init.method, headers, body: init.body ?? null },
        init.attemptTimeoutMs ?? transport.attemptTimeoutMs,
        init.signal,
      );
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason ?? error;
      const delay = nextDelay(transport.retry, attempt, transport.now() - started, undefined, transport.random());
      if (delay === null) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new RelayNetworkError(
          `${init.method} ${init.path}: ${reason} (after ${attempt} attempt${attempt === 1 ? "" : "s"})`,
          attempt,
          error,
        );
      }
      await transport.sleep(delay, init.signal);
      continue;
    }
    if (init.ok.includes(res.status))
      return { status: res.status, headers: res.headers, body: (await res.json()) as T };
    const error = await errorOf(res, transport.now());
    // A relay that is not configured will not be within seconds: only passing trouble is worth another try.
    const passing =
      RETRYABLE_STATUSES.has(res.status) && !(error instanceof RelayProblemError && error.code === "not-configured");
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
async function attempted(
  transport: Transport,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Response> {
  signal?.throwIfAborted();
  const controller = new AbortController();
  const abort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", abort, { once: true });
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    return await transport.fetch(url, { ...init, signal: controller.signal });
  } catch (error) {
    // Report the timeout as such, not as the runtime's generic AbortError.
    throw controller.signal.aborted && !signal?.aborted ? controller.signal.reason : error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", abort);
  }
}

/** The typed error for an answer that is not a success. */
async function errorOf(res: Response, now: number): Promise<RelayProblemError | RelayResponseError> {
  const text = await res.text().catch(() => "");
  const retryAfter = retryAfterMs(res.headers.get("retry-after"), now);
  if ((res.headers.get("content-type") ?? "").startsWith("application/problem+json")) {
    try {
      const problem = JSON.parse(text) as Problem;
      if (typeof problem.code === "string")
        return new RelayProblemError(problem, retryAfter === undefined ? undefined : Math.ceil(retryAfter / 1000));
    } catch {
      // Not JSON after all: reported as a plain error answer below.
    }
  }
  return new RelayResponseError(res.status, text);
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
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
