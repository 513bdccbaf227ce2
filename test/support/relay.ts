import { reset } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { Dispatcher } from "../../src/hosts/cloudflare/dispatcher";
import type { DispatcherStatus, JobView } from "../../src/engine/api";

/** The first configured test API key (see vitest.config.ts). */
export const API_KEY = "test-key-alpha-0123456789";
/** The configured test admin key (RELAY_ADMIN_KEYS): an operator. */
export const ADMIN_KEY = "test-admin-key-0123456789";
/** The second configured test API key: another caller. */
export const OTHER_API_KEY = "test-key-bravo-0123456789";

/** A request to the relay under test, with a bearer key unless `auth` is given. */
export function relay(
  path: string,
  init: RequestInit & { json?: unknown; key?: string | null } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.key !== null && !headers.has("authorization")) headers.set("authorization", `Bearer ${init.key ?? API_KEY}`);
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  return exports.default.fetch(new Request(`https://relay.test${path}`, { ...init, headers, body: body ?? null }));
}

/** `count` valid notifications with distinct openIds. */
export function notifications(
  count: number,
  prefix = "user",
): { openId: string; templateCode: string; templateValue: object }[] {
  return Array.from({ length: count }, (_, i) => ({
    openId: `${prefix}-${String(i).padStart(6, "0")}`,
    templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
    templateValue: { merchantName: "Tea House", redirectUrl: `https://shop.example.hk/bill/${i}` },
  }));
}

/** What `POST /v1/notifications` answers with 202. */
export interface Accepted {
  jobId: string;
  status: string;
  total: number;
  batches: number;
  estimatedSeconds: number;
  estimatedCompletionAt: string;
}

/** Posts `count` notifications (or `json`) and expects a 202; returns the accepted job. */
export async function submit(
  count: number,
  init: RequestInit & { key?: string; prefix?: string } = {},
): Promise<Accepted> {
  const res = await relay("/v1/notifications", {
    method: "POST",
    ...init,
    json: { notifications: notifications(count, init.prefix) },
  });
  if (res.status !== 202) throw new Error(`expected 202, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as Accepted;
}

/** The job as its owner sees it. */
export async function getJob(jobId: string, key?: string): Promise<JobView> {
  const res = await relay(`/v1/notifications/${jobId}`, key ? { key } : {});
  if (res.status !== 200) throw new Error(`expected 200, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as JobView;
}

/** `GET /v1/status`. */
export async function relayStatus(key?: string): Promise<DispatcherStatus> {
  return (await (await relay("/v1/status", key ? { key } : {})).json()) as DispatcherStatus;
}

/** Polls a job until it is completed or `timeoutMs` passes; returns the last view. */
export async function waitForJob(jobId: string, timeoutMs = 20_000, key?: string): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(jobId, key);
    if (job.status === "completed" || Date.now() > deadline) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls `check` every 20 ms until it is true; throws after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A test binding by name (vitest.config.ts), as the relay reads it. */
export function setting(name: string): string {
  return (env as unknown as Record<string, string>)[name] ?? "";
}

/** The dispatcher Durable Object for the configured clientId. */
export function dispatcherStub(): DurableObjectStub<Dispatcher> {
  return env.DISPATCHER.getByName(setting("ALIPAY_CLIENT_ID"));
}

/**
 * A clean relay for each test: storage is shared between the tests of a file, so every test starts
 * from an empty outbox, a fresh pacer and the real `fetch` (the gateway is installed per test).
 */
export async function freshRelay(): Promise<void> {
  vi.restoreAllMocks();
  await reset();
}

/**
 * Asserts that nothing is left to send or on the wire, from the outbox's own counters: a wrongly queued
 * copy would show here at once, so no test needs to sleep and hope it would have left by then.
 */
export async function expectOutboxEmpty(): Promise<void> {
  const status = await relayStatus(ADMIN_KEY);
  expect(status.backlog).toMatchObject({ batches: 0, notifications: 0 });
  expect(status.inFlight).toBe(0);
}
