/**
 * `GET /v1/callback-secrets`: each caller gets the secrets its own callbacks are signed with (derived per
 * caller from RELAY_CALLBACK_SECRET, recomputed here with WebCrypto), another caller's only with an admin
 * key, and a webhook-signed job's callback verifies with the webhook signer's secret and no other.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { signWebhook } from "../src/security/webhook";
import { TestGateway } from "./support/gateway";
import {
  ADMIN_KEY,
  API_KEY,
  freshRelay,
  notifications,
  OTHER_API_KEY,
  relay,
  setting,
  waitForJob,
} from "./support/relay";
import { until } from "./support/until";

beforeEach(freshRelay);

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function hmac(key: Uint8Array, text: string): Promise<Uint8Array> {
  const imported = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", imported, new TextEncoder().encode(text)));
}

/** A bearer key's owner id, recomputed: `key:` + hex SHA-256 of the domain and the key. */
async function keyOwner(key: string): Promise<string> {
  const bytes = new TextEncoder().encode(`alipay-notify-relay/owner/api-key\0${key}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `key:${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

async function secretsOf(key: string, owner?: string): Promise<Response> {
  return relay(`/v1/callback-secrets${owner ? `?owner=${encodeURIComponent(owner)}` : ""}`, { key });
}

describe("GET /v1/callback-secrets", () => {
  it("gives each caller its own secret, HMAC-SHA256(RELAY_CALLBACK_SECRET, 'callback/' + owner), never cached", async () => {
    const root = fromBase64(setting("RELAY_CALLBACK_SECRET").slice("whsec_".length));
    const answers = [];
    for (const key of [API_KEY, OTHER_API_KEY]) {
      const res = await secretsOf(key);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const body = (await res.json()) as { owner: string; secrets: string[] };
      expect(body.owner).toBe(await keyOwner(key));
      expect(body.secrets).toEqual([`whsec_${base64(await hmac(root, `callback/${body.owner}`))}`]);
      answers.push(body.secrets[0]);
    }
    expect(answers[0]).not.toBe(answers[1]);
    expect(answers).not.toContain(setting("RELAY_CALLBACK_SECRET"));
  });

  it("another caller's secrets need an admin key; an admin may name any owner id, a malformed one is refused", async () => {
    const theirs = await keyOwner(OTHER_API_KEY);
    const refused = await secretsOf(API_KEY, theirs);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe("forbidden");
    // Asking for one's own by name is fine.
    expect((await secretsOf(API_KEY, await keyOwner(API_KEY))).status).toBe(200);

    const admin = (await (await secretsOf(ADMIN_KEY, theirs)).json()) as { owner: string; secrets: string[] };
    const own = (await (await secretsOf(OTHER_API_KEY)).json()) as { owner: string; secrets: string[] };
    expect(admin).toEqual(own);
    const bad = await secretsOf(ADMIN_KEY, "key:not-hex");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string; errors: { field: string }[] }).errors).toEqual([
      expect.objectContaining({ field: "owner" }),
    ]);
    expect((await relay("/v1/callback-secrets", { key: null })).status).toBe(401);
  });

  it("a webhook-signed job's callback verifies with caller:webhook's secret, and not with a bearer caller's", async () => {
    const gateway = await TestGateway.install();
    const calls: { id: string; timestamp: string; signature: string; body: string }[] = [];
    gateway.elsewhere = async (request) => {
      const h = request.headers;
      calls.push({
        id: h.get("webhook-id") ?? "",
        timestamp: h.get("webhook-timestamp") ?? "",
        signature: h.get("webhook-signature") ?? "",
        body: await request.text(),
      });
      return new Response(null, { status: 204 });
    };
    const body = JSON.stringify({ callbackUrl: "https://shop.example/hook-done", notifications: notifications(2) });
    const id = `msg_${crypto.randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const secret = fromBase64(setting("RELAY_WEBHOOK_SECRET").slice("whsec_".length));
    const res = await relay("/v1/notifications", {
      method: "POST",
      key: null,
      body,
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signWebhook({ id, timestamp, body, secret }),
      },
    });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    await waitForJob(jobId, 10_000, ADMIN_KEY);
    await until(() => calls.length === 1, 10_000, "the callback");

    const verifies = async (whsec: string) => {
      const call = calls[0]!;
      const mac = await hmac(fromBase64(whsec.slice("whsec_".length)), `${call.id}.${call.timestamp}.${call.body}`);
      return call.signature.split(" ").includes(`v1,${base64(mac)}`);
    };
    const webhook = (await (await secretsOf(ADMIN_KEY, "caller:webhook")).json()) as {
      owner: string;
      secrets: string[];
    };
    expect(webhook.owner).toBe("caller:webhook");
    expect(await verifies(webhook.secrets[0]!)).toBe(true);
    const caller = (await (await secretsOf(API_KEY)).json()) as { secrets: string[] };
    expect(await verifies(caller.secrets[0]!)).toBe(false);
    expect(await verifies(setting("RELAY_CALLBACK_SECRET"))).toBe(false);
  }, 20_000);
});
