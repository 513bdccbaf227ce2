/**
 * The yardstick for the relay's cost: one bare WebCrypto RSA-2048 sign (RSASSA-PKCS1-v1_5 with SHA-1,
 * the default ALIPAY_SIGN_ALGORITHM) of a request the size of a full batch, plus one verify of an
 * answer-sized text, in this Node process. CPU time per pair from process.cpuUsage over many pairs.
 * The same pair is also timed inside workerd (a throwaway Worker under wrangler dev, CPU from /proc),
 * because the runtime's own RSA speed is the floor of the relay's cost.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
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
    workerdCpuMsPerPair: await measureWorkerdCrypto(pairs, request.length).catch(() => null),
  };
}

// The same pair in workerd: a key generated once per isolate, `n` pairs per request.
const WORKER = `
const alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-1" };
let keys;
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n") ?? "1");
    keys ??= await crypto.subtle.generateKey({ ...alg, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, false, ["sign", "verify"]);
    const request_ = new TextEncoder().encode("x".repeat(Number(url.searchParams.get("bytes") ?? "16000")));
    const answer = new TextEncoder().encode("y".repeat(300));
    const signature = await crypto.subtle.sign(alg, keys.privateKey, answer);
    for (let i = 0; i < n; i++) {
      await crypto.subtle.sign(alg, keys.privateKey, request_);
      if (!(await crypto.subtle.verify(alg, keys.publicKey, signature, answer))) throw new Error("verify");
    }
    return new Response("ok");
  },
};
`;

/** CPU per sign + verify pair inside workerd, ms (null where /proc is missing). */
export async function measureWorkerdCrypto(pairs: number, requestBytes: number): Promise<number | null> {
  if (!HAS_PROC) return null;
  const dir = await mkdtemp(join(tmpdir(), "alipay-relay-crypto-"));
  try {
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
      await (await fetch(`${url}/?n=50&bytes=${requestBytes}`)).text();
      const before = relayCpu(worker.pid).runtimeMs;
      const res = await fetch(`${url}/?n=${pairs}&bytes=${requestBytes}`);
      if ((await res.text()) !== "ok") throw new Error(`workerd crypto: HTTP ${res.status}`);
      return (relayCpu(worker.pid).runtimeMs - before) / pairs;
    } finally {
      await worker.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
