/**
 * The typed client as a storefront's backend uses it — imported by package name, the committed build —
 * against real relay processes: under `wrangler dev` (workerd) and self-hosted on Node, each with the
 * AlipayHK stand-in. What the stand-in received is the proof of a send; a callback receiver on a real
 * socket verifies with `verifyCallback` and the secrets the client fetched. The same build then runs
 * under Deno against the Node relay.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import {
  CallbackVerificationError,
  type JobView,
  RelayClient,
  RelayProblemError,
  verifyCallback,
} from "alipay-notify-relay/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../dev/local-run.ts";
import { pickPort } from "../../dev/ports.ts";
import { makeNotifications } from "../../dev/relay-client.ts";
import { denoExecutable } from "../../scripts/self-hosted.ts";
import { until } from "../support/until.ts";
import { type E2eRun, startE2eRun } from "./e2e-helpers.ts";

describe.each(["workerd", "node"] as const)("the client against the relay on %s", (runtime) => {
  let e2e: E2eRun | undefined;
  let caller: RelayClient;
  let admin: RelayClient;

  beforeAll(async () => {
    e2e = await startE2eRun({ runtime, maxRps: 20, gatewayLimitRps: 20 });
    caller = new RelayClient({ baseUrl: e2e.run.relayUrl, apiKey: e2e.run.apiKey });
    admin = new RelayClient({ baseUrl: e2e.run.relayUrl, apiKey: e2e.run.adminKey });
  }, 120_000);

  afterAll(() => e2e?.stop(), 60_000);

  it("submit, then waitFor: every notification reaches the stand-in once; the same Idempotency-Key gets the same job", async () => {
    const { gateway } = e2e!.run;
    gateway.reset();
    const notifications = makeNotifications(`${runtime[0]}c`, 250);
    const submitted = await caller.submit({ notifications }, { idempotencyKey: `e2e-${runtime}-1` });
    expect(submitted).toMatchObject({ kind: "accepted", replayed: false, accepted: { total: 250, batches: 3 } });
    const job = await caller.waitFor(submitted.jobId, { timeout: 30_000 });
    expect(job).toMatchObject({ status: "completed", succeeded: 250, failed: 0 });
    const again = await caller.submit({ notifications }, { idempotencyKey: `e2e-${runtime}-1`, waitSeconds: 5 });
    expect(again).toMatchObject({ kind: "completed", jobId: submitted.jobId, replayed: true });
    const stats = gateway.stats(true);
    expect(notifications.filter((n) => stats.deliveredByOpenId[n.openId] !== 1)).toEqual([]);
    expect(stats.requests).toBe(3);
  }, 60_000);

  it("refusals are typed problems: invalid-request with each error, not-found, forbidden", async () => {
    const [good] = makeNotifications(`${runtime[0]}p`, 1);
    const invalid = (await caller
      .submit({ notifications: [good!, { ...good!, templateCode: "" }] })
      .catch((e: unknown) => e)) as RelayProblemError;
    expect(invalid).toBeInstanceOf(RelayProblemError);
    expect(invalid).toMatchObject({
      status: 400,
      code: "invalid-request",
      errors: [{ index: 1, field: "templateCode" }],
    });
    await expect(caller.job("job_AAAAAAAAAAAAAAAAAAAAAA")).rejects.toMatchObject({ status: 404, code: "not-found" });
    await expect(caller.pause()).rejects.toMatchObject({ status: 403, code: "forbidden" });
  }, 30_000);

  it("pause, cancel and resume: a job cancelled while paused never reaches the stand-in", async () => {
    const { gateway } = e2e!.run;
    expect((await admin.pause("client e2e")).hold).toMatchObject({ kind: "paused" });
    const notifications = makeNotifications(`${runtime[0]}x`, 300);
    const { jobId } = await caller.submit({ notifications });
    const status = await caller.status();
    expect(status.hold).toMatchObject({ kind: "paused", reason: "client e2e" });
    expect(status.recentJobs.map((j) => j.jobId)).toContain(jobId);
    expect(await caller.cancel(jobId)).toMatchObject({ jobId, cancelled: 300 });
    expect((await admin.resume()).hold).toBeNull();
    // A later job on the resumed relay completes; by then anything of the cancelled one would have gone first.
    const after = await caller.submit({ notifications: makeNotifications(`${runtime[0]}y`, 1) }, { waitSeconds: 20 });
    expect(after.kind).toBe("completed");
    const delivered = gateway.stats(true).deliveredByOpenId;
    expect(notifications.filter((n) => delivered[n.openId] !== undefined)).toEqual([]);
  }, 60_000);

  it("the completion callback verifies with the caller's own secrets at a real receiver, not with another caller's", async () => {
    const { secrets } = await caller.callbackSecrets();
    const webhookSecrets = (await admin.callbackSecrets({ owner: "caller:webhook" })).secrets;
    expect(secrets).toHaveLength(1);
    expect(webhookSecrets[0]).not.toBe(secrets[0]);
    const received: { verified: JobView | null; refusedWithOthers: string | null }[] = [];
    const receiver: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", async () => {
        const body = Buffer.concat(chunks);
        const verified = await verifyCallback(req.headers, body, secrets).catch(() => null);
        const refusedWithOthers = await verifyCallback(req.headers, body, webhookSecrets).then(
          () => null,
          (e: unknown) => (e instanceof CallbackVerificationError ? e.reason : String(e)),
        );
        received.push({ verified, refusedWithOthers });
        res.writeHead(verified ? 204 : 401).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const port = (receiver.address() as { port: number }).port;
      const { jobId } = await caller.submit({
        callbackUrl: `http://127.0.0.1:${port}/done`,
        notifications: makeNotifications(`${runtime[0]}k`, 2),
      });
      await until(() => received.length > 0, 30_000, "the callback");
      expect(received[0]).toEqual({
        verified: expect.objectContaining({ jobId, status: "completed", succeeded: 2 }),
        refusedWithOthers: "bad-signature",
      });
      expect(received).toHaveLength(1);
      const settled = async () => (await caller.job(jobId)).callback?.status === "delivered";
      for (let i = 0; i < 50 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 100));
      expect((await caller.job(jobId)).callback).toMatchObject({ status: "delivered", attempts: 1 });
    } finally {
      receiver.close();
    }
  }, 60_000);

  if (runtime === "node") {
    it("examples/submit.mjs and examples/callback-receiver.mjs run as documented: submitted, completed, callback verified", async () => {
      const port = await pickPort();
      const env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        RELAY: e2e!.run.relayUrl,
        KEY: e2e!.run.apiKey,
        PORT: String(port),
      };
      const receiver = spawn(process.execPath, ["examples/callback-receiver.mjs"], {
        cwd: PROJECT_ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let received = "";
      receiver.stdout.on("data", (chunk: Buffer) => (received += chunk.toString()));
      receiver.stderr.on("data", (chunk: Buffer) => (received += chunk.toString()));
      try {
        await until(
          () => received.includes("callback receiver on"),
          10_000,
          () => `the receiver to start: ${received}`,
        );
        const submitted = await new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ["examples/submit.mjs", "examples/notifications.json"], {
            cwd: PROJECT_ROOT,
            env: { ...env, CALLBACK_URL: `http://127.0.0.1:${port}/relay-done` },
            stdio: ["ignore", "pipe", "pipe"],
          });
          let out = "";
          child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
          child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
          child.once("exit", (code) =>
            code === 0 ? resolve(out) : reject(new Error(`submit.mjs exited ${code}: ${out}`)),
          );
        });
        const jobId = /^(job_\S+) accepted/m.exec(submitted)?.[1];
        expect(jobId, submitted).toBeDefined();
        expect(submitted).toContain(`${jobId} completed: succeeded=4 failed=0`);
        await until(
          () => received.includes(`verified ${jobId} completed succeeded=4`),
          30_000,
          () => `the verified callback: ${received}`,
        );
      } finally {
        receiver.kill();
      }
    }, 60_000);

    it("the same build runs under Deno: submit and waitFor from a Deno process", async () => {
      const script = [
        `import { RelayClient } from ${JSON.stringify(new URL("dist/client/index.js", `file://${PROJECT_ROOT}/`).href)};`,
        `const client = new RelayClient({ baseUrl: Deno.env.get("RELAY_URL"), apiKey: Deno.env.get("RELAY_KEY") });`,
        `const submitted = await client.submit({ notifications: JSON.parse(Deno.env.get("NOTIFICATIONS")) });`,
        `const job = await client.waitFor(submitted.jobId, { timeout: 20000 });`,
        `console.log(JSON.stringify({ runtime: "deno " + Deno.version.deno, kind: submitted.kind, status: job.status, succeeded: job.succeeded }));`,
      ].join("\n");
      const output = await new Promise<string>((resolve, reject) => {
        const child = spawn(denoExecutable(PROJECT_ROOT), ["eval", "--no-config", script], {
          cwd: PROJECT_ROOT,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
            RELAY_URL: e2e!.run.relayUrl,
            RELAY_KEY: e2e!.run.apiKey,
            NOTIFICATIONS: JSON.stringify(makeNotifications("dn", 120)),
          },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`deno exited ${code}: ${out}`))));
      });
      const result = JSON.parse(output.trim().split("\n").at(-1)!) as Record<string, unknown>;
      expect(result).toMatchObject({ kind: "accepted", status: "completed", succeeded: 120 });
      expect(String(result.runtime)).toMatch(/^deno \d/);
    }, 60_000);
  }
});
