/**
 * Completion callbacks in workerd: the Durable Object sends them itself and shares its 6 connections
 * with its hand-overs to senders, so it keeps at most 4 tries on the wire (RELAY_MAX_CALLBACKS_IN_FLIGHT,
 * lowered to 4 on Workers), at most 2 for one caller (RELAY_MAX_CALLBACKS_IN_FLIGHT_PER_CALLER), however
 * many jobs complete and however often it wakes. (The decisions over time are the fake-clock engine's:
 * test/engine/callback-caps.test.ts.)
 */
import { beforeEach, describe, expect, it } from "vitest";
import { parseWebhookSecret, signWebhook } from "../src/security/webhook";
import { TestGateway } from "./support/gateway";
import {
  API_KEY,
  OTHER_API_KEY,
  freshRelay,
  getJob,
  notifications,
  relay,
  setting,
  submit,
  waitForJob,
} from "./support/relay";
import { until } from "./support/until";

beforeEach(freshRelay);

/** Posts a one-notification job with a callback to `host`, as a bearer key or signed as the webhook caller. */
async function jobWithCallback(host: string, as: { key: string } | "webhook"): Promise<string> {
  const body = JSON.stringify({ callbackUrl: `https://${host}/done`, notifications: notifications(1, host) });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (as === "webhook") {
    const id = `msg_${crypto.randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const secret = parseWebhookSecret(setting("RELAY_WEBHOOK_SECRET"));
    if (!secret) throw new Error("test webhook secret did not parse");
    Object.assign(headers, {
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signWebhook({ id, timestamp, body, secret }),
    });
  }
  const res = await relay("/v1/notifications", {
    method: "POST",
    body,
    headers,
    key: as === "webhook" ? null : as.key,
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { jobId: string }).jobId;
}

describe("callback tries on the wire", () => {
  it("at most 4 at once, 2 per caller, while receivers hang and the object keeps waking", async () => {
    const gateway = await TestGateway.install();
    const open = new Map<string, number>();
    const opened: string[] = [];
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    gateway.elsewhere = async (request) => {
      const host = new URL(request.url).host;
      opened.push(host);
      open.set(host, (open.get(host) ?? 0) + 1);
      await Promise.race([released, new Promise((resolve) => request.signal.addEventListener("abort", resolve))]);
      open.set(host, (open.get(host) ?? 1) - 1);
      return new Response(null, { status: 204 });
    };
    const callers = [
      { host: "a.shop.example", as: { key: API_KEY } },
      { host: "b.shop.example", as: { key: OTHER_API_KEY } },
      { host: "c.shop.example", as: "webhook" as const },
    ];
    for (let i = 0; i < 4; i++) for (const { host, as } of callers) await jobWithCallback(host, as);
    await until(() => opened.length === 4, 10_000, "4 callback tries on the wire");
    // More wake-ups: another job is sent and settled, and each of its reports makes the object tick again.
    const { jobId } = await submit(300);
    await waitForJob(jobId);
    expect(opened).toHaveLength(4);
    for (const { host } of callers) expect(opened.filter((h) => h === host).length).toBeLessThanOrEqual(2);
    expect([...open.values()].reduce((a, b) => a + b, 0)).toBe(4);
    release();
    // Released, the rest go, still no more than 4 at once: every job's callback is delivered.
    await until(() => opened.length === 12, 10_000, "every callback tried");
    expect(Math.max(...[...open.values()])).toBeLessThanOrEqual(2);
  }, 30_000);

  it("a caller's hanging receiver holds back no other caller's callbacks", async () => {
    const gateway = await TestGateway.install();
    const delivered: string[] = [];
    let slow = 0;
    gateway.elsewhere = async (request) => {
      const host = new URL(request.url).host;
      if (host === "slow.shop.example") {
        slow += 1;
        await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
      } else delivered.push(host);
      return new Response(null, { status: 204 });
    };
    for (let i = 0; i < 6; i++) await jobWithCallback("slow.shop.example", { key: API_KEY });
    const other = await jobWithCallback("quick.shop.example", { key: OTHER_API_KEY });
    await until(
      async () => (await getJob(other, OTHER_API_KEY)).callback?.status === "delivered",
      8_000,
      "the other caller's callback delivered",
    );
    expect(delivered).toEqual(["quick.shop.example"]);
    // The slow receiver's caller has had its 2 tries out the whole time, no more.
    expect(slow).toBe(2);
  }, 20_000);
});
