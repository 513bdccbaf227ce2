/**
 * The relay's API for a caller (and an operator): submit notifications safely, follow and cancel jobs,
 * read the status, pause and resume. Runs wherever `fetch` does: Node ≥ 20, Deno, Bun, Workers, browsers.
 */
import { RelayWaitTimeoutError } from "./errors.js";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
import { call, sleep, type Transport } from "./transport.js";
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
export type SubmitResult =
  | { kind: "accepted"; jobId: string; accepted: SubmitAccepted; replayed: boolean; idempotencyKey: string }
  | { kind: "completed"; jobId: string; job: JobView; replayed: boolean; idempotencyKey: string };

/** Options of `waitFor`. */
export interface WaitOptions {
  /** How long to wait for the job to complete, in ms (default 60 000). */
  timeout?: number;
  signal?: AbortSignal;
}

/** Longest `Prefer: wait` asked for at once, in seconds (the relay's cap is RELAY_MAX_WAIT_SECONDS, default 60). */
const MAX_WAIT_SECONDS = 60;
/** Polling where the relay does not wait (an older relay, or RELAY_MAX_WAIT_SECONDS=0): from 250 ms to 2 s. */
const POLL_FIRST_MS = 250;
const POLL_MAX_MS = 2_000;
/** Time an answer may take beyond the wait it asked for, in ms. */
const WAIT_MARGIN_MS = 15_000;

/** A client for one relay and one key. */
export class RelayClient {
  readonly #transport: Transport;

  constructor(options: RelayClientOptions) {
    const fetchFn = options.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));
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
  async submit(body: SubmitBody | string, options: SubmitOptions = {}): Promise<SubmitResult> {
    const idempotencyKey = options.idempotencyKey ?? newIdempotencyKey();
    const wait = options.waitSeconds;
    const answer = await call<SubmitAccepted | JobView>(this.#transport, {
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
      const job = answer.body as JobView;
      return { kind: "completed", jobId: job.jobId, job, replayed, idempotencyKey };
    }
    const accepted = answer.body as SubmitAccepted;
    return { kind: "accepted", jobId: accepted.jobId, accepted, replayed, idempotencyKey };
  }

  /** The job as it stands (`GET /v1/notifications/{jobId}`); `not-found` for another caller's job. */
  async job(jobId: string, options: { signal?: AbortSignal } = {}): Promise<JobView> {
    const answer = await call<JobView>(this.#transport, {
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
  async waitFor(jobId: string, options: WaitOptions = {}): Promise<JobView> {
    const timeout = options.timeout ?? 60_000;
    const deadline = this.#transport.now() + timeout;
    let poll = POLL_FIRST_MS;
    for (;;) {
      const remaining = deadline - this.#transport.now();
      const seconds = Math.min(MAX_WAIT_SECONDS, Math.max(1, Math.floor(remaining / 1000)));
      const asked = this.#transport.now();
      const answer = await call<JobView>(this.#transport, {
        method: "GET",
        path: jobPath(jobId),
        headers: { prefer: `wait=${seconds}` },
        ok: [200],
        attemptTimeoutMs: seconds * 1000 + WAIT_MARGIN_MS,
        signal: options.signal,
      });
      const job = answer.body;
      if (job.status === "completed") return job;
      const left = deadline - this.#transport.now();
      if (left <= 0) throw new RelayWaitTimeoutError(job, timeout);
      // The relay held the answer as long as it said it would: ask again at once. Otherwise (no wait
      // applied, or an answer early without the job done) poll with a growing interval.
      const applied = appliedWaitSeconds(answer.headers.get("preference-applied"));
      const held = this.#transport.now() - asked;
      if (applied !== null && applied > 0 && held >= applied * 1000 - 50) continue;
      await this.#transport.sleep(Math.min(poll, left), options.signal);
      poll = Math.min(POLL_MAX_MS, poll * 2);
    }
  }

  /** Cancels what of the job has not started (`DELETE`); a completed job is `job-completed` (409). */
  async cancel(jobId: string, options: { signal?: AbortSignal } = {}): Promise<JobView> {
    const answer = await call<JobView>(this.#transport, {
      method: "DELETE",
      path: jobPath(jobId),
      ok: [200],
      signal: options.signal,
    });
    return answer.body;
  }

  /** Live pace, backlog, results and the caller's recent jobs (`GET /v1/status`). */
  async status(options: { signal?: AbortSignal } = {}): Promise<RelayStatus> {
    return (
      await call<RelayStatus>(this.#transport, { method: "GET", path: "/v1/status", ok: [200], signal: options.signal })
    ).body;
  }

  /** Holds all sending until `resume` (admin keys only; a caller's key gets `forbidden`). */
  async pause(reason?: string, options: { signal?: AbortSignal } = {}): Promise<HoldAnswer> {
    const body = reason === undefined ? "{}" : JSON.stringify({ reason });
    return (
      await call<HoldAnswer>(this.#transport, {
        method: "POST",
        path: "/v1/pause",
        body,
        ok: [200],
        signal: options.signal,
      })
    ).body;
  }

  /** Lifts a pause (or an open circuit breaker); admin keys only. */
  async resume(options: { signal?: AbortSignal } = {}): Promise<HoldAnswer> {
    return (
      await call<HoldAnswer>(this.#transport, { method: "POST", path: "/v1/resume", ok: [200], signal: options.signal })
    ).body;
  }

  /**
   * The secrets this key's callbacks are signed with (`GET /v1/callback-secrets`), to give to
   * `verifyCallback`. An admin key may name another caller's `owner`, e.g. `caller:webhook`.
   */
  async callbackSecrets(options: { owner?: string; signal?: AbortSignal } = {}): Promise<CallbackSecrets> {
    const query = options.owner === undefined ? "" : `?owner=${encodeURIComponent(options.owner)}`;
    return (
      await call<CallbackSecrets>(this.#transport, {
        method: "GET",
        path: `/v1/callback-secrets${query}`,
        ok: [200],
        signal: options.signal,
      })
    ).body;
  }
}

/** A client for the relay at `options.baseUrl` with `options.apiKey`. */
export function createRelayClient(options: RelayClientOptions): RelayClient {
  return new RelayClient(options);
}

/** A fresh Idempotency-Key: 128 random bits as hex, from the platform's CSPRNG. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `idem_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function jobPath(jobId: string): string {
  return `/v1/notifications/${encodeURIComponent(jobId)}`;
}

/** `wait=N` of a Preference-Applied header, in seconds, or null. */
function appliedWaitSeconds(header: string | null): number | null {
  const match = /(?:^|[\s,;])wait=(\d+)/i.exec(header ?? "");
  return match ? Number(match[1]) : null;
}
