/**
 * Rotating RELAY_WEBHOOK_SECRET and RELAY_CALLBACK_SECRET without downtime, on real relay processes
 * (workerd under wrangler dev, and self-hosted on Node) that keep their storage across three restarts:
 * old secrets only → old and new together (the overlap) → new only. During the overlap every webhook
 * signed with the old or the new secret is accepted, and every callback verifies at a receiver holding
 * only the old caller secret and at one holding only the new. The webhook signer stays one owner across
 * the rotation: its Idempotency-Key from before still finds its job. Signatures are made and checked with
 * node:crypto here, independently of the relay.
 */
import { createHmac, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RelayClient, verifyCallback } from "alipay-notify-relay/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeNotifications } from "../../dev/relay-client.ts";
import { until } from "../support/until.ts";
import { type E2eRun, startE2eRun } from "./e2e-helpers.ts";

const whsec = () => `whsec_${randomBytes(32).toString("base64")}`;

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Standard Webhooks headers for `body` signed with `secret` (a whsec_ string), by node:crypto. */
function signed(body: string, secret: string): Record<string, string> {
  const id = `msg_${randomBytes(12).toString("hex")}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const mac = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${mac}` };
}

/** A receiver's own check, by node:crypto: does one `v1,` entry match under `secret`? */
function verifiesWith(callback: Received, secret: string): boolean {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const h = callback.headers;
  const mac = createHmac("sha256", key)
    .update(`${h["webhook-id"]}.${h["webhook-timestamp"]}.`)
    .update(callback.body)
    .digest("base64");
  return String(h["webhook-signature"]).split(" ").includes(`v1,${mac}`);
}

describe.each(["node", "workerd"] as const)("rotating the webhook and callback secrets on %s", (runtime) => {
  const webhookOld = whsec();
  const webhookNew = whsec();
  const callbackOld = whsec();
  const callbackNew = whsec();
  const callbacks: Received[] = [];
  let receiver: Server;
  let callbackUrl: string;
  let persistTo: string;
  let e2e: E2eRun | undefined;

  beforeAll(async () => {
    persistTo = await mkdtemp(join(tmpdir(), "relay-rotation-"));
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        callbacks.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    callbackUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/done`;
  });

  afterAll(async () => {
    await e2e?.stop();
    receiver.close();
    await rm(persistTo, { recursive: true, force: true });
  }, 60_000);

  /** (Re)starts the relay on the same storage with these secrets. */
  async function start(
    webhook: string,
    callback: string,
  ): Promise<{ url: string; caller: RelayClient; admin: RelayClient }> {
    await e2e?.stop();
    e2e = await startE2eRun({
      runtime,
      persistTo,
      vars: { RELAY_WEBHOOK_SECRET: webhook, RELAY_CALLBACK_SECRET: callback },
    });
    const { relayUrl, apiKey, adminKey } = e2e.run;
    return {
      url: relayUrl,
      caller: new RelayClient({ baseUrl: relayUrl, apiKey }),
      admin: new RelayClient({ baseUrl: relayUrl, apiKey: adminKey }),
    };
  }

  async function postSigned(
    url: string,
    body: string,
    secret: string,
    extra: Record<string, string> = {},
  ): Promise<{ status: number; jobId?: string; replayed: boolean }> {
    const res = await fetch(`${url}/v1/notifications`, {
      method: "POST",
      headers: { "content-type": "application/json", ...signed(body, secret), ...extra },
      body,
    });
    const answer = (await res.json()) as { jobId?: string };
    return {
      status: res.status,
      ...(answer.jobId ? { jobId: answer.jobId } : {}),
      replayed: res.headers.get("idempotent-replayed") === "true",
    };
  }

  /** The callbacks of these jobs, once each has arrived. */
  async function callbacksOf(jobIds: string[]): Promise<Received[]> {
    const of = () => callbacks.filter((c) => jobIds.includes(JSON.parse(c.body.toString("utf8")).jobId as string));
    await until(
      () => new Set(of().map((c) => c.headers["webhook-id"])).size === jobIds.length,
      30_000,
      "one callback per job",
    );
    return of();
  }

  it("old only → old and new (every old- and new-signed webhook accepted, every callback verified by old-only and new-only receivers) → new only", async () => {
    // 1. Before: the old secrets only.
    let relay = await start(webhookOld, callbackOld);
    const callerOld = (await relay.caller.callbackSecrets()).secrets;
    const webhookCallerOld = (await relay.admin.callbackSecrets({ owner: "caller:webhook" })).secrets;
    expect([callerOld.length, webhookCallerOld.length]).toEqual([1, 1]);
    const firstBody = JSON.stringify({ notifications: makeNotifications(`${runtime[0]}r0`, 2) });
    const first = await postSigned(relay.url, firstBody, webhookOld, { "idempotency-key": "rotation-first" });
    expect(first.status).toBe(202);

    // 2. The overlap: both secrets of each kind.
    relay = await start(`${webhookOld},${webhookNew}`, `${callbackOld},${callbackNew}`);
    const caller = (await relay.caller.callbackSecrets()).secrets;
    const webhookCaller = (await relay.admin.callbackSecrets({ owner: "caller:webhook" })).secrets;
    expect(caller).toHaveLength(2);
    expect(caller[0]).toBe(callerOld[0]); // the old entry's caller secret did not change
    const callerNew = caller.filter((s) => s !== callerOld[0]);
    const webhookCallerNew = webhookCaller.filter((s) => s !== webhookCallerOld[0]);
    expect([callerNew.length, webhookCallerNew.length]).toEqual([1, 1]);

    const webhookJobs: string[] = [];
    for (const [i, secret] of [webhookOld, webhookNew, webhookOld, webhookNew, webhookOld, webhookNew].entries()) {
      const body = JSON.stringify({ callbackUrl, notifications: makeNotifications(`${runtime[0]}w${i}`, 2) });
      const answer = await postSigned(relay.url, body, secret);
      expect(answer.status, `webhook ${i} signed with the ${secret === webhookOld ? "old" : "new"} secret`).toBe(202);
      webhookJobs.push(answer.jobId!);
    }
    const stranger = await postSigned(
      relay.url,
      JSON.stringify({ notifications: makeNotifications(`${runtime[0]}s`, 1) }),
      whsec(),
    );
    expect(stranger.status).toBe(401);
    // The same request as before the rotation, now signed with the new secret (and a new webhook-id):
    // the webhook signer is the same owner, so its Idempotency-Key finds the job it made then.
    const repeated = await postSigned(relay.url, firstBody, webhookNew, { "idempotency-key": "rotation-first" });
    expect(repeated).toEqual({ status: 202, jobId: first.jobId, replayed: true });

    const callerJobs: string[] = [];
    for (let i = 0; i < 3; i++) {
      callerJobs.push(
        (await relay.caller.submit({ callbackUrl, notifications: makeNotifications(`${runtime[0]}c${i}`, 2) })).jobId,
      );
    }
    for (const callback of await callbacksOf(webhookJobs)) {
      expect(verifiesWith(callback, webhookCallerOld[0]!)).toBe(true);
      expect(verifiesWith(callback, webhookCallerNew[0]!)).toBe(true);
      expect(verifiesWith(callback, callerOld[0]!)).toBe(false); // another caller's secret
    }
    for (const callback of await callbacksOf(callerJobs)) {
      // A receiver holding only the old secret, and one holding only the new, both verify (node:crypto and the client).
      expect(verifiesWith(callback, callerOld[0]!)).toBe(true);
      expect(verifiesWith(callback, callerNew[0]!)).toBe(true);
      expect((await verifyCallback(callback.headers, callback.body, callerOld)).status).toBe("completed");
      expect((await verifyCallback(callback.headers, callback.body, callerNew)).status).toBe("completed");
    }

    // 3. After: the new secrets only. The old webhook secret is refused; callbacks verify with the new caller secret only.
    relay = await start(webhookNew, callbackNew);
    expect((await relay.caller.callbackSecrets()).secrets).toEqual(callerNew);
    expect(
      (
        await postSigned(
          relay.url,
          JSON.stringify({ notifications: makeNotifications(`${runtime[0]}o`, 1) }),
          webhookOld,
        )
      ).status,
    ).toBe(401);
    const late = await postSigned(
      relay.url,
      JSON.stringify({ callbackUrl, notifications: makeNotifications(`${runtime[0]}n`, 1) }),
      webhookNew,
    );
    expect(late.status).toBe(202);
    const [callback] = await callbacksOf([late.jobId!]);
    expect(verifiesWith(callback!, webhookCallerNew[0]!)).toBe(true);
    expect(verifiesWith(callback!, webhookCallerOld[0]!)).toBe(false);
  }, 240_000);
});
