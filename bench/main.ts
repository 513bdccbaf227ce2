/**
 * `npm run bench`: every figure of the relay's benchmark in one run, on real processes (wrangler dev
 * and the local stand-in), then a table and bench/results.json. Flags:
 *   --quick          shorter phases, results to bench/results.local.json (not committed)
 *   --only=a,b       phases among accept, fanout, pace, overlap, waiters, small-jobs, behind-bulk, two-callers, lag,
 *                    adaptation, cost, storage, bundle, selfhosted, node-cost
 *   --runtimes=a,b   where small-jobs, behind-bulk and two-callers run: workerd, node (default both)
 *   --out=path       where to write the results
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../dev/local-run.ts";
import { measureAccept } from "./accept.ts";
import { measureAdaptation } from "./adaptation.ts";
import { measureCost } from "./cost.ts";
import { measureCryptoBaseline } from "./crypto-baseline.ts";
import { measureFanout } from "./fanout.ts";
import type { MachineNoise } from "./harness.ts";
import { describeMachine } from "./machine.ts";
import { measureWaiters } from "./waiters.ts";
import { measureLag } from "./lag.ts";
import { measureOverlap } from "./overlap.ts";
import { measurePace } from "./pace.ts";
import { measureStorage } from "./storage.ts";
import { measureBundle } from "./bundle.ts";
import { type BenchResults, formatSelfHosted, formatTable, BENCH_DOC, BENCH_MARKERS, benchBlock, rows } from "./report.ts";
import { measureNodeCost } from "./node-cost.ts";
import { measureSelfHosted, type SelfHostedFigure } from "./selfhosted.ts";
import { measureBehindBulk, measureSmallJobs, measureTwoCallers, STOREFRONT_RUNTIMES } from "./storefront.ts";

const PHASES = [
  "accept",
  "fanout",
  "pace",
  "overlap",
  "waiters",
  "small-jobs",
  "behind-bulk",
  "two-callers",
  "lag",
  "adaptation",
  "cost",
  "storage",
  "bundle",
  "selfhosted",
  "node-cost",
] as const;
const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log(
    /^\/\*\*([\s\S]*?)\*\//.exec((await import("node:fs")).readFileSync(new URL(import.meta.url), "utf8"))?.[1],
  );
  process.exit(0);
}
const quick = args.includes("--quick");
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const out =
  args.find((a) => a.startsWith("--out="))?.slice(6) ??
  join(PROJECT_ROOT, "bench", quick || only ? "results.local.json" : "results.json");
const unknown = only?.filter((p) => !(PHASES as readonly string[]).includes(p)) ?? [];
if (unknown.length) {
  console.error(`unknown phase ${unknown.join(", ")}: choose among ${PHASES.join(", ")}`);
  process.exit(2);
}
const wanted = (phase: (typeof PHASES)[number]) => !only || only.includes(phase);
const runtimesArg = args
  .find((a) => a.startsWith("--runtimes="))
  ?.slice(11)
  .split(",");
const runtimes = STOREFRONT_RUNTIMES.filter((r) => !runtimesArg || runtimesArg.includes(r));
const unknownRuntimes = runtimesArg?.filter((r) => !(STOREFRONT_RUNTIMES as readonly string[]).includes(r)) ?? [];
if (unknownRuntimes.length) {
  console.error(`unknown runtime ${unknownRuntimes.join(", ")}: choose among ${STOREFRONT_RUNTIMES.join(", ")}`);
  process.exit(2);
}

const machine = describeMachine();
const results: BenchResults = {};
const noise: Record<string, MachineNoise> = {};
const started = Date.now();
const say = (text: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}`);

say(
  `machine: ${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}, workerd ${machine.workerd}, load ${machine.loadAverage1m}`,
);
if (wanted("cost") || wanted("node-cost")) {
  results.crypto = await measureCryptoBaseline(quick ? 300 : 1000);
  say(`bare sign + verify: ${results.crypto.cpuMsPerPair.toFixed(3)} ms CPU per pair`);
}
if (wanted("accept")) {
  say("accept latency…");
  ({ result: results.accept, noise: noise.accept } = await measureAccept(quick ? 0.2 : 1));
}
if (wanted("fanout")) {
  say("fan-out latency…");
  ({ result: results.fanout, noise: noise.fanout } = await measureFanout(quick ? 30 : 100));
}
if (wanted("pace")) {
  results.pace = [];
  for (const [quota, seconds] of [
    [20, quick ? 6 : 15],
    [50, quick ? 6 : 15],
    [200, quick ? 5 : 12],
  ] as const) {
    say(`pace at ${quota}/s…`);
    const { result, noise: n } = await measurePace(quota, seconds);
    results.pace.push(result);
    noise[`pace${quota}`] = n;
  }
}
if (wanted("overlap")) {
  say("overlap: 10,000 notifications every second while sending at 50/s…");
  ({ result: results.overlap, noise: noise.overlap } = await measureOverlap(50, quick ? 6 : 15));
}
if (wanted("waiters")) {
  say("waiters: 50 callers holding Prefer: wait=60, status polled, sending at 50/s…");
  ({ result: results.waiters, noise: noise.waiters } = await measureWaiters(50, quick ? 8 : 20));
}
if (wanted("small-jobs")) {
  const posts = quick ? 500 : 2000;
  results.smallJobs = [];
  for (const runtime of runtimes) {
    say(`small jobs on ${runtime}: ${posts.toLocaleString("en")} single-notification POSTs at 100/s, quota 20/s…`);
    const { result, noise: n } = await measureSmallJobs(runtime, posts);
    results.smallJobs.push(result);
    noise[`smallJobs-${runtime}`] = n;
  }
}
if (wanted("behind-bulk")) {
  const bulk = quick ? 10_000 : 20_000;
  results.behindBulk = [];
  for (const runtime of runtimes) {
    say(`behind bulk on ${runtime}: 20 single POSTs after ${bulk.toLocaleString("en")} notifications, quota 20/s…`);
    const { result, noise: n } = await measureBehindBulk(runtime, bulk);
    results.behindBulk.push(result);
    noise[`behindBulk-${runtime}`] = n;
  }
}
if (wanted("two-callers")) {
  const [a, b] = quick ? [15_000, 1_500] : [30_000, 3_000];
  results.twoCallers = [];
  for (const runtime of runtimes) {
    say(`two callers on ${runtime}: B's ${b.toLocaleString("en")} after A's ${a.toLocaleString("en")}, quota 50/s…`);
    const { result, noise: n } = await measureTwoCallers(runtime, a, b);
    results.twoCallers.push(result);
    noise[`twoCallers-${runtime}`] = n;
  }
}
if (wanted("lag")) {
  say("event-loop lag while 10,000 notifications are accepted…");
  ({ result: results.lag, noise: noise.lag } = await measureLag(quick ? 3 : 10));
}
if (wanted("adaptation")) {
  results.adaptation = [];
  for (const status of ["F", "U"] as const) {
    say(`adaptation, refusals answered ${status}…`);
    const { result, noise: n } = await measureAdaptation(25, quick ? 20 : 50, quick ? 8 : 15, status);
    results.adaptation.push(result);
    noise[`adaptation${status}`] = n;
  }
}
if (wanted("cost")) {
  say("cost and packing…");
  ({ result: results.cost, noise: noise.cost } = await measureCost(quick ? 0.5 : 1));
}
if (wanted("bundle")) {
  results.bundle = measureBundle();
  say(`bundle: ${(results.bundle.rawBytes / 1024).toFixed(1)} KiB raw, ${(results.bundle.gzipBytes / 1024).toFixed(1)} KiB gzipped`);
  const client = results.bundle.client;
  if (client)
    say(`client: ${(client.rawBytes / 1024).toFixed(1)} KiB raw, ${(client.gzipBytes / 1024).toFixed(1)} KiB gzipped`);
}
if (wanted("storage")) {
  say("storage after one and two runs…");
  ({ result: results.storage, noise: noise.storage } = await measureStorage(quick ? 5_000 : 20_000));
}

if (wanted("node-cost")) {
  say("self-hosted Node at 200/s: CPU per request…");
  ({ result: results.nodeCost, noise: noise.nodeCost } = await measureNodeCost(200, quick ? 5 : 12));
}

let selfhosted: SelfHostedFigure[] | undefined;
if (wanted("selfhosted")) {
  say("workerd, Node and Deno side by side…");
  selfhosted = await measureSelfHosted(50, quick ? 6 : 12);
}

const table = rows(results);
say("done");
console.log(`\n${formatTable(table)}\n`);
if (selfhosted) console.log(`Self-hosted beside workerd, 50/s, 200 ms answers:\n${formatSelfHosted(selfhosted)}\n`);
for (const [phase, n] of Object.entries(noise)) {
  if (n.foreignCpuShare !== null && n.foreignCpuShare > 0.1) {
    console.log(`note: other processes used ${(100 * n.foreignCpuShare).toFixed(0)} % of the machine during ${phase}`);
  }
}
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), quick, machine, table, noise, results, selfhosted, durationSeconds: Math.round((Date.now() - started) / 1000) }, null, 2)}\n`,
);
console.log(`results written to ${out}`);
// The run saved as bench/results.json is the one docs/benchmarks.md shows.
if (out === join(PROJECT_ROOT, "bench", "results.json")) {
  const docPath = join(PROJECT_ROOT, BENCH_DOC);
  const doc = readFileSync(docPath, "utf8");
  const start = doc.indexOf(BENCH_MARKERS.start);
  const end = doc.indexOf(BENCH_MARKERS.end);
  if (start >= 0 && end > start) {
    const block = `${BENCH_MARKERS.start}\n${benchBlock({ table, selfhosted })}\n`;
    writeFileSync(docPath, doc.slice(0, start) + block + doc.slice(end));
    console.log(`${BENCH_DOC} benchmark table written`);
  }
}
