/**
 * The yardstick for the relay's cost: one bare WebCrypto RSA-2048 sign (RSASSA-PKCS1-v1_5 with SHA-1,
 * the default ALIPAY_SIGN_ALGORITHM) of a request the size of a full batch, plus one verify of an
 * answer-sized text, in this Node process. CPU time per pair from process.cpuUsage over many pairs.
 * The same pair is also timed inside workerd (a throwaway Worker under wrangler dev, CPU from /proc),
 * because the runtime's own RSA speed is the floor of the relay's cost; and so is what else a batch
 * cannot do without there: one outgoing POST of a batch's size, one RPC to another entrypoint carrying
 * a batch, one log line.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../dev/local-run.ts";
import { pickPort } from "../dev/ports.ts";
import { makeNotifications } from "../dev/relay-client.ts";
import { spawnRelay } from "../dev/relay-process.ts";
import { HAS_PROC, relayCpu } from "./proc-cpu.ts";

/** CPU and wall time of one sign + verify pair, ms. */
export interface CryptoBaseline {
  pairs: number;
  cpuMsPerPair: number;
  wallMsPerPair: number;
  requestBytes: number;
  /** The same pair inside workerd, CPU ms (null where it could not be measured). */
  workerdCpuMsPerPair: number | null;
  /** workerd's CPU per bare operation, ms (null where it could not be measured). */
  workerdFloor: WorkerdFloor | null;
}

/** workerd's own CPU per operation a batch needs, ms, measured in a Worker that does nothing else. */
export interface WorkerdFloor {
  signVerify: number;
  /** One POST of a batch's size to a loopback server, its answer read. */
  fetch: number;
  /** One call to another entrypoint of the same Worker (`ctx.exports`) with a batch's text. */
  rpc: number;
  /** One `console.log` of an attempt-sized line (wrangler dev listens to the logs). */
  log: number;
}

/** Measures `pairs` sign + verify pairs after a warm-up. */
export async function measureCryptoBaseline(pairs = 1000): Promise<CryptoBaseline> {
  const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-1" };
  const keys = await crypto.subtle.generateKey(
    { ...algorithm, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    false,
    ["sign", "verify"],
  );
  // The signed text of a full batch, shaped like the relay's request value.
  const request = new TextEncoder().encode(
    JSON.stringify({
      head: { version: "2.0.0", function: "alipay.intl.user.inform.delegateSendNotification", clientId: "2110200" },
      body: { merchantId: "2160400000000099", notificationInfos: makeNotifications("cb", 100) },
    }),
  );
  const answer = new TextEncoder().encode(
    JSON.stringify({
      head: { version: "2.0.0", respTime: "2026-11-26T12:08:56+08:00" },
      body: { resultInfo: { resultStatus: "S" } },
    }),
  );
  const answerSignature = await crypto.subtle.sign(algorithm, keys.privateKey, answer);
  const pair = async () => {
    await crypto.subtle.sign(algorithm, keys.privateKey, request);
    if (!(await crypto.subtle.verify(algorithm, keys.publicKey, answerSignature, answer))) throw new Error("verify");
  };
  for (let i = 0; i < 50; i++) await pair();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < pairs; i++) await pair();
  const wallMs = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  return {
    pairs,
    cpuMsPerPair: (cpu.user + cpu.system) / 1000 / pairs,
    wallMsPerPair: wallMs / pairs,
    requestBytes: request.length,
    ...(await measureWorkerdFloor(pairs, request.length).then(
      (floor) => ({ workerdCpuMsPerPair: floor?.signVerify ?? null, workerdFloor: floor }),
      () => ({ workerdCpuMsPerPair: null, workerdFloor: null }),
    )),
  };
}

// The floor in workerd: a key generated once per isolate, `n` operations of one kind per request.
const WORKER = `
import { WorkerEntrypoint } from "cloudflare:workers";
const alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-1" };
let keys;
export class Peer extends WorkerEntrypoint {
  async take(text) { return text.length; }
}
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "1");
    const text = "x".repeat(Number(url.searchParams.get("bytes") ?? "16000"));
    const op = url.searchParams.get("op");
    if (op === "fetch") {
      const to = url.searchParams.get("to");
      for (let i = 0; i < n; i++) await (await fetch(to, { method: "POST", body: text, headers: { "content-type": "application/json" } })).text();
    } else if (op === "rpc") {
      for (let i = 0; i < n; i++) await ctx.exports.Peer.take(text);
    } else if (op === "log") {
      for (let i = 0; i < n; i++) console.log(JSON.stringify({ at: new Date().toISOString(), event: "attempt", batch: i, reqMsgId: "0".repeat(32), resultCode: "SUCCESS", latencyMs: 200 }));
    } else {
      keys ??= await crypto.subtle.generateKey({ ...alg, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, false, ["sign", "verify"]);
      const request_ = new TextEncoder().encode(text);
      const answer = new TextEncoder().encode("y".repeat(300));
      const signature = await crypto.subtle.sign(alg, keys.privateKey, answer);
      for (let i = 0; i < n; i++) {
        await crypto.subtle.sign(alg, keys.privateKey, request_);
        if (!(await crypto.subtle.verify(alg, keys.publicKey, signature, answer))) throw new Error("verify");
      }
    }
    return new Response("ok");
  },
};
`;

/** workerd's CPU per operation, ms (null where /proc is missing). */
export async function measureWorkerdFloor(n: number, requestBytes: number): Promise<WorkerdFloor | null> {
  if (!HAS_PROC) return null;
  const dir = await mkdtemp(join(tmpdir(), "alipay-relay-crypto-"));
  // A loopback server that reads each POST and answers with an answer-sized body (its CPU is not counted).
  const sink = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.end("y".repeat(600)));
  });
  try {
    await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
    const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`;
    await writeFile(join(dir, "index.js"), WORKER);
    await writeFile(
      join(dir, "wrangler.toml"),
      'name = "crypto-baseline"\nmain = "index.js"\ncompatibility_date = "2026-10-01"\n',
    );
    await writeFile(join(dir, "empty.vars"), "");
    await mkdir(join(dir, "state"));
    await symlink(join(PROJECT_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    const port = await pickPort();
    const worker = spawnRelay({
      root: dir,
      port,
      inspectorPort: await pickPort(),
      persistTo: join(dir, "state"),
      envFile: join(dir, "empty.vars"),
      log: () => {},
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await worker.waitReady(url, 60_000);
      const perOp = async (op: string, count: number): Promise<number> => {
        const query = `op=${op}&bytes=${requestBytes}&to=${encodeURIComponent(sinkUrl)}`;
        await (await fetch(`${url}/?n=20&${query}`)).text();
        const before = relayCpu(worker.pid).runtimeMs;
        const res = await fetch(`${url}/?n=${count}&${query}`);
        if ((await res.text()) !== "ok") throw new Error(`workerd floor (${op}): HTTP ${res.status}`);
        return (relayCpu(worker.pid).runtimeMs - before) / count;
      };
      return {
        signVerify: await perOp("crypto", n),
        fetch: await perOp("fetch", n),
        rpc: await perOp("rpc", n),
        log: await perOp("log", n),
      };
    } finally {
      await worker.stop();
    }
  } finally {
    sink.close();
    await rm(dir, { recursive: true, force: true });
  }
}
