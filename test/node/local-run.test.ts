/**
 * `npm start`'s shell, as a newcomer meets it: `node scripts/start.mjs` brings up the relay and the
 * stand-in on the ports asked for, prints a banner whose copy-paste curl really queues the example
 * notifications (202), and on SIGTERM stops both, leaving neither port open.
 *
 * It uses the project's dev keys (.dev/keys, created if missing) and rewrites .dev/relay.vars, as
 * `npm start` itself does; the Durable Object state goes to a temporary folder.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../dev/local-run.ts";
import { pickPort } from "../../dev/ports.ts";
import { until } from "../support/until.ts";
import { acquireE2eLock } from "./e2e-helpers.ts";

const BANNER_END = "Ctrl-C stops both.";

let child: ChildProcess | undefined;
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let output = "";
let relayPort = 0;
let gatewayPort = 0;
let stateDir = "";
let release: (() => Promise<void>) | undefined;

/** True when something accepts TCP connections on 127.0.0.1:port. */
function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

beforeAll(async () => {
  release = await acquireE2eLock();
  relayPort = await pickPort();
  gatewayPort = await pickPort();
  stateDir = await mkdtemp(join(tmpdir(), "alipay-relay-start-"));
  child = spawn(process.execPath, [join(PROJECT_ROOT, "scripts", "start.mjs")], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      RELAY_PORT: String(relayPort),
      GATEWAY_PORT: String(gatewayPort),
      RELAY_PERSIST_TO: stateDir,
      INIT_CWD: PROJECT_ROOT, // what npm sets: the banner's paths are relative to it
    },
  });
  exited = new Promise((resolve) => child!.once("exit", (code, signal) => resolve({ code, signal })));
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await until(
    () => {
      if (child?.exitCode !== null) throw new Error(`npm start exited (${child?.exitCode}):\n${output}`);
      return output.includes(BANNER_END);
    },
    90_000,
    () => `the banner:\n${output}`,
    100,
  );
}, 120_000);

afterAll(async () => {
  // Only if a test failed before the SIGTERM test: stop it the same way, then for good.
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child?.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
  }
  await rm(stateDir, { recursive: true, force: true });
  await release?.();
}, 60_000);

describe("npm start (scripts/start.mjs)", () => {
  it("prints where the relay and the stand-in listen, on the ports asked for", () => {
    expect(output).toContain("alipay-notify-relay is running locally");
    expect(output).toContain(`relay     http://127.0.0.1:${relayPort}`);
    expect(output).toContain(
      `http://127.0.0.1:${gatewayPort}/api/alipay/intl/user/inform/delegateSendNotification.htm`,
    );
  });

  it("prints a curl that queues the example notifications (202)", async () => {
    const curl = output.split("\n").find((line) => line.trim().startsWith("curl -si -X POST"));
    expect(curl, "the banner's POST command").toBeDefined();
    expect(curl).toContain("--data @examples/notifications.json");
    const { stdout } = await promisify(execFile)("sh", ["-c", curl!.trim()], { cwd: PROJECT_ROOT, timeout: 30_000 });
    expect(stdout).toMatch(/^HTTP\/1\.1 202 /);
    const body = JSON.parse(stdout.slice(stdout.indexOf("\r\n\r\n") + 4)) as { jobId: string; total: number };
    expect(body.total).toBe(4);

    // The same key follows the job, as the banner's second command does.
    const key = /Authorization: Bearer ([^']+)'/.exec(curl!)?.[1];
    const job = await fetch(`http://127.0.0.1:${relayPort}/v1/notifications/${body.jobId}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(job.status).toBe(200);
  }, 60_000);

  it("loads the example sources: the banner's commands send a signed Shopify and Stripe event, each queued (202)", async () => {
    const commands = output.split("\n").filter((line) => line.trim().startsWith("node dev/send-source-event.ts"));
    expect(commands.map((line) => line.trim().split(" ")[2])).toEqual(["shopify", "stripe"]);
    for (const command of commands) {
      const args = command.trim().split(" ").slice(1);
      const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: PROJECT_ROOT, timeout: 30_000 });
      expect(stdout, command).toMatch(/^202 \{"outcome":"queued"/);
    }
  }, 60_000);

  it("stops the relay and the stand-in on SIGTERM, closing both ports", async () => {
    expect(await isListening(relayPort)).toBe(true);
    expect(await isListening(gatewayPort)).toBe(true);
    child!.kill("SIGTERM");
    const { code } = await exited;
    expect(code).toBe(0);
    expect(await isListening(relayPort)).toBe(false);
    expect(await isListening(gatewayPort)).toBe(false);
  }, 60_000);
});
