/**
 * Storefront scenarios: small jobs arriving continuously, next to bulk sends and other callers, against
 * the stand-in in its own process, strict at the quota and answering 50 ms after arrival; on workerd and
 * on the self-hosted Node relay.
 *   small jobs   `posts` single-notification POSTs at 100 a second, open loop, quota 20/s
 *   behind bulk  a bulk send (POSTs of 10,000 back to back), then 1 s after its last 202, 20 single POSTs
 *                at 100 a second, quota 20/s
 *   two callers  caller A (its own key) sends its notifications in POSTs of 10,000; 1 s after A's last
 *                202, caller B (another key) sends its own in one POST; quota 50/s
 * A notification's latency runs from just before its POST is handed to fetch (this process's clock) to
 * the arrival of the request carrying it at the stand-in (stamped on the stand-in's clock before the body
 * is read, brought to this clock with the offset measured over loopback). openIds name the scenario and
 * the caller (dev/relay-client.ts openIdOf), so the stand-in's records tell whose notification came when.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { RelayRuntime } from "../dev/local-run.ts";
import { makeNotifications, type RelayClient, relayClient } from "../dev/relay-client.ts";
import { readArrivals, windowFigures } from "./arrivals.ts";
import { type BenchRun, clockNow, type PhaseContext, until, withRun } from "./harness.ts";
import { coresBetween, HAS_PROC, relayPids, runCpu, runQueueWaitMs } from "./proc-cpu.ts";
import { summarize } from "./stats.ts";
import {
  type BehindBulkResult,
  firstArrivals,
  latest,
  REQUEST_SIZE,
  type ScenarioFigures,
  type Sent,
  type SmallJobsResult,
  singlesFigures,
  type TwoCallersResult,
  twoCallersFigures,
} from "./storefront-figures.ts";

/** Where the storefront scenarios run. */
export const STOREFRONT_RUNTIMES = ["workerd", "node"] as const satisfies readonly RelayRuntime[];

/** The stand-in answers this long after a request arrives, ms. */
const ANSWER_MS = 50;
/** Single-notification POSTs per second, in the small-jobs and behind-bulk scenarios. */
const SINGLES_PER_SECOND = 100;
/** Most notifications in one POST by default (RELAY_MAX_NOTIFICATIONS_PER_REQUEST). */
const POST_SIZE = 10_000;

/**
 * Sends `count` POSTs open loop, `perSecond` apart on a fixed grid, each without waiting for the ones
 * before; resolves once all are answered. `body(k)` is the k-th POST's body.
 */
async function openLoop(
  count: number,
  perSecond: number,
  client: RelayClient,
  body: (k: number) => string,
): Promise<Sent[]> {
  const sent: Sent[] = [];
  const answers: Promise<void>[] = [];
  const start = performance.now() + 20;
  for (let k = 0; k < count; k++) {
    const due = start + (k * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const text = body(k);
    const s: Sent = { at: clockNow(), lateMs: Math.max(0, performance.now() - due), status: 0, ms: Number.NaN };
    sent.push(s);
    answers.push(
      client.submit(text).then(
        (a) => void Object.assign(s, { status: a.status, ms: a.ms }),
        () => {}, // no answer: status stays 0
      ),
    );
  }
  await Promise.all(answers);
  return sent;
}

/** Submits `count` notifications of `tag` in POSTs of 10,000, one after another; when the first was sent and the last answered. */
async function submitBulk(
  client: RelayClient,
  tag: string,
  count: number,
): Promise<{ sentAt: number; answeredAt: number }> {
  const sentAt = clockNow();
  for (let first = 0; first < count; first += POST_SIZE) {
    const body = JSON.stringify({ notifications: makeNotifications(tag, Math.min(POST_SIZE, count - first), first) });
    const answer = await client.submit(body);
    if (answer.status !== 202) throw new Error(`bulk ${tag}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return { sentAt, answeredAt: clockNow() };
}

/** What a scenario submitted: notifications accepted, the most requests they could take, and how to read its figures once they arrived. */
interface Submitted<F> {
  expected: number;
  worstRequests: number;
  read(): Promise<F>;
}

/**
 * Starts a local run for one scenario with `callers` fresh bearer keys (each key is its own caller to
 * the relay), runs `submit`, waits until everything accepted reached the stand-in (giving up after 1.5 ×
 * its most requests at the quota, and a minute), then reads the figures and the CPU split over the whole
 * scenario.
 */
async function scenarioRun<T extends ScenarioFigures>(
  runtime: RelayRuntime,
  quota: number,
  callers: number,
  submit: (ctx: PhaseContext & { clients: RelayClient[] }) => Promise<Submitted<Omit<T, keyof ScenarioFigures>>>,
) {
  const apiKeys = Array.from({ length: callers }, (_, i) => `bench-${i}-${randomBytes(18).toString("base64url")}`);
  return withRun(
    {
      runtime,
      maxRps: quota,
      gatewayLimitRps: quota,
      gateway: { latencyMs: ANSWER_MS },
      vars: { RELAY_API_KEYS: apiKeys.join(",") },
    },
    async (ctx) => {
      const { run } = ctx;
      const clients = apiKeys.map((key) => relayClient(run.relayUrl, key));
      const pid = run.relayPid()!;
      const selfHosted = runtime !== "workerd";
      const cpu0 = HAS_PROC ? runCpu(pid, run.gateway.pid, selfHosted) : null;
      const waited0 = HAS_PROC ? runQueueWaitMs(relayPids(pid, selfHosted)) : undefined;
      const wall0 = performance.now();
      const { expected, worstRequests, read } = await submit({ ...ctx, clients });
      const patienceMs = (1.5 * worstRequests * 1000) / quota + 60_000;
      await until(async () => (await run.gateway.counts()).deliveredOpenIds >= expected, patienceMs, 100);
      const wallMs = performance.now() - wall0;
      const cores = cpu0 ? coresBetween(cpu0, runCpu(pid, run.gateway.pid, selfHosted), wallMs) : null;
      const waited1 = waited0 === undefined ? undefined : runQueueWaitMs(relayPids(pid, selfHosted));
      const relayRunQueueShare = waited0 === undefined || waited1 === undefined ? null : (waited1 - waited0) / wallMs;
      return {
        ...(await standInFigures(run, runtime, quota, expected)),
        ...(await read()),
        cores,
        relayRunQueueShare,
      } as T;
    },
  );
}

/** The stand-in's view of a whole scenario. */
async function standInFigures(run: BenchRun, runtime: RelayRuntime, quota: number, expected: number) {
  const record = await readArrivals(run.gateway);
  const { deliveredCount, deliveredOpenIds } = await run.gateway.counts();
  const first = record.all[0] ?? 0;
  return {
    runtime,
    quota,
    gateway: windowFigures(record, first, record.all.at(-1) ?? first, quota),
    notificationsPerRequest: record.admitted.length ? deliveredCount / record.admitted.length : 0,
    missing: Math.max(0, expected - deliveredOpenIds),
    repeats: deliveredCount - deliveredOpenIds,
    standInLoopDelayMs: record.loopDelayMs,
  };
}

/** Small jobs: `posts` single-notification POSTs at 100 a second, quota 20/s. */
export function measureSmallJobs(runtime: RelayRuntime, posts: number) {
  return scenarioRun<SmallJobsResult>(runtime, 20, 1, async ({ run, clients }) => {
    const body = (k: number) => JSON.stringify({ notifications: makeNotifications("sj", 1, k) });
    const sent = await openLoop(posts, SINGLES_PER_SECOND, clients[0]!, body);
    const accepted = sent.filter((s) => s.status === 202).length;
    return {
      expected: accepted,
      worstRequests: accepted,
      read: async () => ({
        posts,
        perSecond: SINGLES_PER_SECOND,
        ...singlesFigures(
          sent,
          "sj",
          firstArrivals(await run.gateway.deliveries("2088sj"), await run.gateway.clockOffsetMs()),
        ),
        sendLateMs: summarize(sent.map((s) => s.lateMs)),
      }),
    };
  });
}

/** Behind bulk: `bulk` notifications, then 1 s after their last 202, `singles` single POSTs at 100 a second; quota 20/s. */
export function measureBehindBulk(runtime: RelayRuntime, bulk: number, singles = 20) {
  return scenarioRun<BehindBulkResult>(runtime, 20, 1, async ({ run, clients }) => {
    const client = clients[0]!;
    const { sentAt, answeredAt } = await submitBulk(client, "bb", bulk);
    await sleep(answeredAt + 1000 - clockNow());
    const body = (k: number) => JSON.stringify({ notifications: makeNotifications("bs", 1, k) });
    const sent = await openLoop(singles, SINGLES_PER_SECOND, client, body);
    const accepted = sent.filter((s) => s.status === 202).length;
    return {
      expected: bulk + accepted,
      worstRequests: Math.ceil(bulk / REQUEST_SIZE) + accepted,
      read: async () => {
        const offset = await run.gateway.clockOffsetMs();
        return {
          bulk,
          singles,
          ...singlesFigures(sent, "bs", firstArrivals(await run.gateway.deliveries("2088bs"), offset)),
          bulkDrainMs: latest([...firstArrivals(await run.gateway.deliveries("2088bb"), offset).values()]) - sentAt,
        };
      },
    };
  });
}

/** Two callers: A's `a` notifications, then 1 s after A's last 202, B's `b`; quota 50/s. */
export function measureTwoCallers(runtime: RelayRuntime, a: number, b: number) {
  const quota = 50;
  return scenarioRun<TwoCallersResult>(runtime, quota, 2, async ({ run, clients }) => {
    const [callerA, callerB] = clients as [RelayClient, RelayClient];
    const sentA = await submitBulk(callerA, "ca", a);
    await sleep(sentA.answeredAt + 1000 - clockNow());
    const sentB = await submitBulk(callerB, "cb", b);
    return {
      expected: a + b,
      worstRequests: Math.ceil(a / REQUEST_SIZE) + Math.ceil(b / REQUEST_SIZE),
      read: async () =>
        twoCallersFigures(await run.gateway.deliveries(), await run.gateway.clockOffsetMs(), {
          quota,
          a: { tag: "ca", count: a, sentAt: sentA.sentAt },
          b: { tag: "cb", count: b, sentAt: sentB.sentAt },
        }),
    };
  });
}
