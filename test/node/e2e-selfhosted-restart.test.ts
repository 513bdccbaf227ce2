/**
 * End to end, real processes, the relay self-hosted on Node and on Deno, its lifecycle on one data
 * directory: a second process on the same directory refuses to start, naming the directory and the
 * holder's pid; SIGTERM mid-run exits 0 after the sends on the wire finished; SIGKILL mid-run and a
 * restart resume sending by themselves, resend what was lost in flight (counted), and complete every job.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../dev/local-run.ts";
import { pickPort } from "../../dev/ports.ts";
import { makeNotifications, relayClient } from "../../dev/relay-client.ts";
import { spawnSelfHosted } from "../../dev/self-hosted-process.ts";
import { buildSelfHosted } from "../../scripts/self-hosted.ts";
import { LEASE_GRACE_MS } from "../../src/engine/engine.ts";
import { until } from "../support/until.ts";
import { type E2eRun, startE2eRun } from "./e2e-helpers.ts";

const NOTIFICATIONS = 4000;
const SEND_TIMEOUT_MS = 1000;

describe.each(["node", "deno"] as const)("self-hosted on %s, restarted on the same data directory", (runtime) => {
  let e2e: E2eRun | undefined;
  let temp = "";
  const lines: string[] = [];
  const vars = { RELAY_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS), RELAY_RETRY_BASE_MS: "50", RELAY_RETRY_MAX_MS: "200" };

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), "alipay-relay-selfhosted-"));
    // 10/s with 200 ms answers: about two batches on the wire at any moment, 4 s of backlog.
    e2e = await startE2eRun({ runtime, maxRps: 10, gateway: { latencyMs: 200 }, vars, log: (l) => lines.push(l) });
  }, 60_000);

  afterAll(async () => {
    await e2e?.stop();
    await rm(temp, { recursive: true, force: true });
  }, 30_000);

  it("refuses a second process on the same directory, and survives SIGTERM and SIGKILL without losing anything", async () => {
    const { run } = e2e!;
    const client = relayClient(run.relayUrl, run.apiKey);
    const answer = await client.submit({ notifications: makeNotifications(`${runtime[0]}r`, NOTIFICATIONS) });
    expect(answer.status).toBe(202);
    const jobId = answer.body.jobId!;

    // A second relay on the same directory, while the first one sends: refused, saying who holds it.
    const second = spawnSelfHosted({
      runtime,
      root: PROJECT_ROOT,
      bundle: await buildSelfHosted(runtime, PROJECT_ROOT, join(temp, `${runtime}.mjs`)),
      port: await pickPort(),
      dataDir: run.persistTo,
      vars: { ...run.relayVars },
      log: () => {},
    });
    const refused = await second.exited;
    expect(refused.code).toBe(1);
    const message = second.tail().join("\n");
    expect(message).toContain(`RELAY_DATA_DIR ${run.persistTo} is in use by process ${run.relayPid()}`);

    // SIGTERM mid-run: exit 0, the sends on the wire finish first (nothing left leased).
    await until(() => run.gateway.counts().requests >= 8, 20_000, "8 requests at the stand-in");
    await run.restartRelay({ signal: "SIGTERM" });
    expect(run.lastExit()).toEqual({ code: 0, signal: null });
    const stopped = lines.find((l) => l.includes('"event":"stopped"'));
    expect(stopped, lines.slice(-20).join("\n")).toContain('"leasedInFlight":0');

    // SIGKILL mid-run with sends on the wire; nothing asks the restarted relay anything until it resumes.
    await until(() => run.gateway.counts().requests >= 20, 20_000, "20 requests at the stand-in");
    // The kill must catch sends on the wire: read until the relay says some are (one read can fall between sends).
    await until(async () => (await client.status()).inFlight > 0, 10_000, "sends on the wire");
    await run.restartRelay({ signal: "SIGKILL" });
    const requestsAtRestart = run.gateway.counts().requests;
    // Generous (the restarted process sends as soon as it has opened its data directory; 10 s leaves room
    // for a loaded machine): what it guards is that sending resumes by itself at all.
    await until(
      () => run.gateway.counts().requests > requestsAtRestart,
      10_000,
      () => `a send after the restart:\n${lines.slice(-20).join("\n")}`,
    );

    const { done, jobs } = await client.waitForJobs([jobId], SEND_TIMEOUT_MS + LEASE_GRACE_MS + 15_000);
    expect(done, JSON.stringify(jobs.map((j) => [j.status, j.pending]))).toBe(true);
    const job = jobs[0]!;
    expect(job).toMatchObject({ status: "completed", total: NOTIFICATIONS, succeeded: NOTIFICATIONS, failed: 0 });
    const stats = run.gateway.stats(true);
    let delivered = 0;
    for (const n of makeNotifications(`${runtime[0]}r`, NOTIFICATIONS)) {
      const deliveries = stats.deliveredByOpenId[n.openId] ?? 0;
      expect(deliveries, `${n.openId} delivered`).toBeGreaterThan(0);
      delivered += deliveries;
    }
    // A second delivery only ever comes from a counted resend.
    expect(delivered).toBeLessThanOrEqual(job.batches.reduce((n, b) => n + b.size * b.attempts, 0));
    const resends = job.batches.reduce((n, b) => n + b.size * (b.attempts - 1), 0);
    expect(resends, "the notifications caught on the wire by SIGKILL were resent").toBeGreaterThan(0);
    expect(stats.repeatedReqMsgIds).toEqual([]);
    console.info(
      `${runtime} restart: ${resends} notifications resent after SIGKILL, ${stats.requests} requests for ${NOTIFICATIONS / 100} requests' worth`,
    );
  }, 60_000);
});
