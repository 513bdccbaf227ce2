/**
 * A webhook-signed body belongs to nobody until its signature matches: it is read under its own lower
 * limit (RELAY_MAX_UNVERIFIED_BODY_BYTES, 1 MiB by default) and only so many at once per isolate
 * (RELAY_MAX_UNVERIFIED_BODIES, 4), the MAC runs over the raw bytes as they stream in, and it is
 * compared before anything decodes or parses them. The requests go straight to the Worker's handler
 * here, so the test counts exactly how much of a body the relay pulled.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { worker } from "../src/hosts/cloudflare/worker";
import { parseWebhookSecret, signWebhook } from "../src/security/webhook";
import { TestGateway } from "./support/gateway";
import { API_KEY, freshRelay, notifications, setting } from "./support/relay";

const MIB = 1024 * 1024;
const CHUNK = 64 * 1024;

/** Headers with a current timestamp and a well-formed `v1` signature that matches no body. */
function forgedHeaders(): Record<string, string> {
  return {
    "content-type": "application/json",
    "webhook-id": `msg_${crypto.randomUUID()}`,
    "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
    "webhook-signature": `v1,${btoa("not the mac of this body, 32 bytes")}`,
  };
}

function signedHeaders(body: Uint8Array | string): Record<string, string> {
  const id = `msg_${crypto.randomUUID()}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const secret = parseWebhookSecret(setting("RELAY_WEBHOOK_SECRET"))!;
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signWebhook({ id, timestamp, body, secret }),
  };
}

/** A body of `total` bytes produced only as the reader asks for it; `hold` keeps it open after the first chunk. */
function pulledBody(total: number, options: { hold?: boolean } = {}) {
  let pulled = 0;
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (options.hold && pulled > 0) {
          await held;
          controller.close();
          return;
        }
        if (pulled >= total) return controller.close();
        const size = Math.min(CHUNK, total - pulled);
        pulled += size;
        controller.enqueue(new Uint8Array(size).fill(0x7b));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled, release: () => release() };
}

async function post(body: BodyInit, headers: Record<string, string>): Promise<Response> {
  return await worker.fetch(
    new Request("https://relay.test/v1/notifications", { method: "POST", body, headers }),
    env as unknown as Env,
  );
}

async function code(res: Response): Promise<string> {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return ((await res.json()) as { code: string }).code;
}

beforeEach(freshRelay);

describe("an unverified webhook body", () => {
  it("of 4 MB with a bad signature is refused (413) without reading past its 1 MiB limit", async () => {
    const body = pulledBody(4 * MIB);
    const res = await post(body.stream, forgedHeaders());
    expect(res.status).toBe(413);
    expect(await code(res)).toBe("payload-too-large");
    expect(body.pulled()).toBeGreaterThan(MIB - CHUNK);
    expect(body.pulled()).toBeLessThanOrEqual(MIB + 2 * CHUNK);
  });

  it("declared above the limit (Content-Length) is refused before a byte is read", async () => {
    const body = pulledBody(4 * MIB);
    const res = await post(body.stream, { ...forgedHeaders(), "content-length": String(4 * MIB) });
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThanOrEqual(CHUNK);
  });

  it("is compared before it is decoded or parsed: bad UTF-8 or bad JSON with a bad signature is a 401", async () => {
    for (const bytes of [new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), new TextEncoder().encode("{not json")]) {
      const res = await post(bytes, forgedHeaders());
      expect(res.status).toBe(401);
      expect(await code(res)).toBe("unauthorized");
    }
    // The same bytes, correctly signed: now they are read, and refused for what they are.
    const bad = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    expect(await code(await post(bad, signedHeaders(bad)))).toBe("malformed-json");
  });

  it("correctly signed but above the unverified limit is refused; a bearer key's limit is RELAY_MAX_BODY_BYTES", async () => {
    const big = JSON.stringify({ notifications: notifications(1), pad: "x".repeat(1.5 * MIB) });
    const signed = await post(big, signedHeaders(big));
    expect(signed.status).toBe(413);
    expect(((await signed.json()) as { detail: string }).detail).toMatch(/before its webhook signature is checked/);
    const bearer = await post(big, { "content-type": "application/json", authorization: `Bearer ${API_KEY}` });
    // Past the body limit, the bearer request is judged on its content: the unknown member.
    expect(bearer.status).toBe(400);
  });

  it(`at most ${4} are read at once: one more gets 429 webhooks-busy with Retry-After, bearer requests pass`, async () => {
    await TestGateway.install();
    const held = Array.from({ length: 4 }, () => pulledBody(MIB, { hold: true }));
    const answers = held.map((body) => post(body.stream, forgedHeaders()));
    // Each is inside the reader once its first chunk has been pulled.
    for (let i = 0; i < 200 && !held.every((body) => body.pulled() > 0); i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(held.map((body) => body.pulled() > 0)).toEqual([true, true, true, true]);

    const busy = await post("{}", forgedHeaders());
    expect(busy.status).toBe(429);
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(await code(busy)).toBe("webhooks-busy");
    const bearer = await post(JSON.stringify({ notifications: notifications(1) }), {
      "content-type": "application/json",
      authorization: `Bearer ${API_KEY}`,
    });
    expect(bearer.status).toBe(202);

    for (const body of held) body.release();
    expect((await Promise.all(answers)).map((res) => res.status)).toEqual([401, 401, 401, 401]);
    // The places are free again.
    expect((await post("{}", forgedHeaders())).status).toBe(401);
  });
});
