/**
 * A small HTTP client for a running relay, shared by the end-to-end tests and the benchmark: submit
 * notifications, read jobs and the status, wait for jobs to finish. Plain fetch over loopback.
 */

/** One notification as callers send it. */
export interface Notification {
  openId: string;
  templateCode: string;
  templateValue: string | Record<string, unknown>;
}

/** The job as `GET /v1/notifications/{jobId}` shows it (the fields the tests and the bench read). */
export interface JobView {
  jobId: string;
  status: "queued" | "running" | "completed";
  total: number;
  succeeded: number;
  failed: number;
  pending: number;
  /** Where its notifications are, by the request they last rode on. */
  batches: {
    size: number;
    status: string;
    attempts: number;
    reqMsgId: string | null;
    resultCode: string | null;
  }[];
  batchesOmitted: number;
  failures: { openId: string; resultCode: string; resultMsg: string }[];
}

/** What a submit answered, with the time it took (ms, from sending the request to the whole body read). */
export interface SubmitAnswer {
  status: number;
  body: { jobId?: string; status?: string; total?: number; batches?: number; [key: string]: unknown };
  ms: number;
}

/** The relay's API, as one caller (its bearer key) sees it. */
export interface RelayClient {
  /** POSTs a body (serialized here unless already a string), with extra `headers` (e.g. Prefer: wait=60). */
  submit(body: { notifications: Notification[]; merchantId?: string } | string, headers?: Record<string, string>): Promise<SubmitAnswer>;
  job(jobId: string): Promise<JobView>;
  status(): Promise<Record<string, unknown> & { inFlight: number; backlog: { notifications: number; queued: number } }>;
  /** Polls until every job is `completed` or `timeoutMs` passes; returns the last views either way. */
  waitForJobs(
    jobIds: string[],
    timeoutMs: number,
    pollMs?: number,
  ): Promise<{ done: boolean; jobs: JobView[]; ms: number }>;
}

/** A client for the relay at `relayUrl` using `apiKey`. */
export function relayClient(relayUrl: string, apiKey: string): RelayClient {
  const auth = { authorization: `Bearer ${apiKey}` };
  const getJson = async <T>(path: string): Promise<T> => {
    const res = await fetch(relayUrl + path, { headers: auth });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const client: RelayClient = {
    async submit(body, headers = {}) {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      const started = performance.now();
      const res = await fetch(`${relayUrl}/v1/notifications`, {
        method: "POST",
        headers: { ...headers, ...auth, "content-type": "application/json" },
        body: text,
      });
      const answer = (await res.json()) as SubmitAnswer["body"];
      return { status: res.status, body: answer, ms: performance.now() - started };
    },
    job: (jobId) => getJson<JobView>(`/v1/notifications/${jobId}`),
    status: () => getJson(`/v1/status`),
    async waitForJobs(jobIds, timeoutMs, pollMs = 250) {
      const started = performance.now();
      for (;;) {
        const jobs = await Promise.all(jobIds.map((id) => client.job(id)));
        const done = jobs.every((j) => j.status === "completed");
        const ms = performance.now() - started;
        if (done || ms >= timeoutMs) return { done, jobs, ms };
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
  };
  return client;
}

/**
 * `count` valid notifications with openIds unique to `tag` (letters and digits, ≤ 8 characters), so a
 * run can tell whose notification the stand-in received; numbered from `first` (default 0).
 */
export function makeNotifications(tag: string, count: number, first = 0): Notification[] {
  return Array.from({ length: count }, (_, k) => {
    const i = first + k;
    return {
      openId: openIdOf(tag, i),
      templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
      templateValue: { merchantName: "Harbour Tea House", redirectUrl: `https://shop.example.hk/bills/${tag}-${i}` },
    };
  });
}

/** The openId of notification `i` of `tag` in makeNotifications: `2088`, the tag, `i` zero-padded to 28 characters. */
export function openIdOf(tag: string, i: number): string {
  return `2088${tag}${String(i).padStart(24 - tag.length, "0")}`;
}
