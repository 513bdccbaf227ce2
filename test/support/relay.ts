import { exports } from "cloudflare:workers";

/** The first configured test API key (see vitest.config.ts). */
export const API_KEY = "test-key-alpha-0123456789";
/** The second configured test API key: another caller. */
export const OTHER_API_KEY = "test-key-bravo-0123456789";

/** A request to the relay under test, with a bearer key unless `auth` is given. */
export function relay(path: string, init: RequestInit & { json?: unknown; key?: string | null } = {}): Promise<Response> {
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
export function notifications(count: number, prefix = "user"): { openId: string; templateCode: string; templateValue: object }[] {
  return Array.from({ length: count }, (_, i) => ({
    openId: `${prefix}-${String(i).padStart(6, "0")}`,
    templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
    templateValue: { merchantName: "Tea House", redirectUrl: `https://shop.example.hk/bill/${i}` },
  }));
}

/** Polls a job until it is completed or `timeoutMs` passes; returns the last view. */
export async function waitForJob(jobId: string, timeoutMs = 20_000, key?: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await relay(`/v1/notifications/${jobId}`, key ? { key } : {});
    const job = (await res.json()) as Record<string, unknown>;
    if (job.status === "completed" || Date.now() > deadline) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}
