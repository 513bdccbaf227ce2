/**
 * A fake world for the engine: an in-memory SQLite outbox, a fake clock, and a simulated AlipayHK whose
 * answers (and their delays) each test chooses. Time jumps from event to event, so hours of sending run
 * in well under a second, and every decision the engine makes is checked against the clock it was given.
 */
import { DatabaseSync } from "node:sqlite";
import type { SendOutcome } from "../../src/core/types";
import { Engine } from "../../src/engine/engine";
import { DispatcherService, PROCESS_LOOP } from "../../src/engine/service";
import type { EngineSettings } from "../../src/engine/settings";
import type { CallbackTask, SendTask, SubmitRequest } from "../../src/engine/api";
import { nodeSqlite } from "../../src/hosts/self-hosted/sqlite";
import { maxInWindow } from "./simulate";

/** The start of every simulation, ms epoch. */
export const T0 = Date.parse("2026-11-26T04:00:00Z");

/** Engine settings for tests; override what a test is about. */
export function testSettings(overrides: Partial<EngineSettings> = {}): EngineSettings {
  return {
    clientId: "211020000000000000044",
    pacer: { maxRps: 50, guardMs: 20 },
    retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 },
    maxInFlight: 64,
    sendTimeoutMs: 10_000,
    maxBacklogBatches: 1_000_000,
    jobRetentionMs: 168 * 3_600_000,
    breakerProbeMaxMs: 30_000,
    storageCapBytes: 10_000_000_000,
    dedupWindowMs: 24 * 3_600_000,
    leadMs: 60,
    handoverMs: 10,
    ...overrides,
  };
}

/** How the simulated gateway treats one request: an answer after `afterMs`, or no report at all (a lost sender). */
export type Answer =
  | {
      outcome: Pick<SendOutcome, "kind" | "resultClass" | "resultInfo" | "httpStatus" | "detail" | "retryAfterMs">;
      afterMs: number;
    }
  | "lost";

/** A request that left, as the gateway saw it. */
export interface Departure {
  at: number;
  requestId: number;
  reqMsgId: string;
  merchantId: string;
  /** The openIds it carried, in order. */
  openIds: string[];
}

/** An answered S. */
export const SUCCESS = {
  outcome: {
    kind: "answered",
    resultClass: "success",
    resultInfo: { resultStatus: "S", resultCodeId: "00000000", resultCode: "SUCCESS", resultMsg: "success" },
  },
  afterMs: 200,
} satisfies Answer;

/** An answered code with its status and class. */
export function answered(
  resultStatus: string,
  resultCode: string,
  resultClass: SendOutcome["resultClass"],
  afterMs = 200,
): Answer {
  return {
    outcome: {
      kind: "answered",
      resultClass,
      resultInfo: { resultStatus, resultCodeId: "x", resultCode, resultMsg: resultCode },
    },
    afterMs,
  };
}

/** A transport failure. */
export function transport(kind: "http-error" | "timeout" | "network-error", afterMs = 200): Answer {
  return {
    outcome: { kind, resultClass: "unknown", ...(kind === "http-error" ? { httpStatus: 502 } : {}), detail: kind },
    afterMs,
  };
}

let seed = 1;
/** A deterministic random in [0, 1) (a small LCG): runs are repeatable. */
export function seededRandom(start = 42): () => number {
  seed = start;
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

/** One simulated relay: engine, database, clock, gateway and the reports on their way back. */
export class World {
  readonly db = new DatabaseSync(":memory:");
  readonly sql = nodeSqlite(this.db);
  now = T0;
  engine: Engine;
  readonly departures: Departure[] = [];
  /** The openIds of every request that left, in order. */
  readonly sentOpenIds: string[] = [];
  readonly logs: Record<string, unknown>[] = [];
  /** Completion callback tries the engine handed out, with the time they left. */
  readonly callbacks: { at: number; task: CallbackTask }[] = [];
  /** How the callback receiver answers each try (the nth overall, from 0): 2xx (true), not (false), or never. */
  receiver: (task: CallbackTask, n: number, at: number) => boolean | "lost" = () => true;
  /** Reports on their way back, by arrival time. */
  private reports: { at: number; task: SendTask; outcome: SendOutcome }[] = [];
  /** Callback answers on their way back, by arrival time. */
  private callbackReports: { at: number; task: CallbackTask; delivered: boolean }[] = [];
  private ids = 0;
  /** Each openId's job and place in it. */
  private readonly positions = new Map<string, { jobId: string; seq: number }>();

  settings: EngineSettings;
  /** Chooses how the gateway answers each request (the nth request overall, from 0). */
  gateway: (task: SendTask, n: number, at: number) => Answer;
  /** How late the sender is, ms, for the nth task handed out (a busy thread, a slow hand-over). */
  lateness: (task: SendTask, n: number) => number = () => 0;
  private handedOut = 0;

  constructor(
    settings: EngineSettings = testSettings(),
    gateway: (task: SendTask, n: number, at: number) => Answer = () => SUCCESS,
  ) {
    this.settings = settings;
    this.gateway = gateway;
    this.engine = this.start();
  }

  /** A fresh engine over the same database, as after a restart or eviction (what was in memory is gone). */
  restart(options: { dropReports?: boolean } = {}): void {
    if (options.dropReports) this.reports = [];
    this.engine = this.start();
  }

  /**
   * A request of `batches` chunks of `size` notifications (openIds `<jobId>-<chunk>-<i>`), not yet
   * submitted; each notification's place in its job is remembered for `attemptsByOpenId`.
   */
  request(batches: number, size = 100, extra: Partial<SubmitRequest> = {}): SubmitRequest {
    const jobId = extra.jobId ?? `job_${String(++this.ids).padStart(22, "0")}`;
    for (let b = 0; b < batches; b++)
      for (let i = 0; i < size; i++) this.positions.set(`${jobId}-${b}-${i}`, { jobId, seq: b * size + i });
    return {
      jobId,
      owner: "key:alpha",
      bodyHash: jobId,
      merchantId: "2160400000000177",
      batches: Array.from({ length: batches }, (_, b) => ({
        size,
        infos: JSON.stringify(
          Array.from({ length: size }, (_, i) => ({
            openId: `${jobId}-${b}-${i}`,
            templateCode: "T",
            templateValue: `{"n":"${i}"}`,
          })),
        ),
      })),
      ...extra,
    };
  }

  /** Submits `batches` batches of `size` notifications as one job; returns the job id. */
  submit(batches: number, size = 100, extra: Partial<SubmitRequest> = {}): string {
    const result = this.engine.submit(this.request(batches, size, extra), this.now);
    if (result.kind !== "created" && result.kind !== "existing") throw new Error(`submit refused: ${result.kind}`);
    return result.job.jobId;
  }

  /**
   * The dispatcher service over this world's engine, on its clock: sends and callbacks go to the simulated
   * gateway and receiver; `yieldNow` is what the host lets run between the slices of a large request.
   */
  service(yieldNow: () => Promise<void> = async () => undefined): DispatcherService {
    return new DispatcherService(
      () => this.engine,
      {
        now: () => this.now,
        yieldNow,
        send: (tasks) => {
          for (const task of tasks) this.depart(task);
        },
        deliver: (callbacks) => {
          for (const task of callbacks) this.call(task);
        },
        schedule: () => undefined,
      },
      PROCESS_LOOP,
    );
  }

  /** Runs the world until `until` (ms epoch) or until `done()` holds after a step. Returns the steps taken. */
  run(until: number, done: () => boolean = () => false, onStep?: (step: number) => void): number {
    let step = 0;
    for (;;) {
      const { tasks, callbacks, wakeAt } = this.engine.tick(this.now);
      for (const task of tasks) this.depart(task);
      for (const task of callbacks) this.call(task);
      onStep?.(step++);
      if (done()) return step;
      const next = Math.min(
        wakeAt,
        this.reports[0]?.at ?? Number.POSITIVE_INFINITY,
        this.callbackReports[0]?.at ?? Number.POSITIVE_INFINITY,
      );
      if (next > until) {
        this.now = until;
        return step;
      }
      this.now = Math.max(this.now, next);
      // Every report due by now arrives (a host pokes the engine after each; the next tick follows).
      while (this.reports.length && (this.reports[0]?.at ?? Number.POSITIVE_INFINITY) <= this.now) {
        const report = this.reports.shift();
        if (report)
          this.engine.report(
            { requestId: report.task.requestId, reqMsgId: report.task.reqMsgId, outcome: report.outcome },
            report.at,
          );
      }
      while (this.callbackReports.length && (this.callbackReports[0]?.at ?? Number.POSITIVE_INFINITY) <= this.now) {
        const answer = this.callbackReports.shift();
        if (answer) {
          const { task, delivered } = answer;
          this.engine.callbackReport(
            { jobId: task.jobId, attempt: task.attempt, delivered, error: delivered ? null : "HTTP 500" },
            answer.at,
          );
        }
      }
    }
  }

  /** The most departures in any window of `windowMs` (ends inclusive of the first, exclusive of the last + window). */
  maxInWindow(windowMs = 1000): number {
    return maxInWindow(
      this.departures.map((d) => d.at).sort((a, b) => a - b),
      windowMs,
    );
  }

  /** The attempts each notification's run counted, by openId, as stored. */
  attemptsByOpenId(): Map<string, number> {
    const runs = this.rows<{ job_id: string; seq: number; count: number; attempts: number }>(
      "SELECT job_id, seq, count, attempts FROM runs",
    );
    const byJob = new Map<string, { seq: number; count: number; attempts: number }[]>();
    for (const run of runs) byJob.set(run.job_id, [...(byJob.get(run.job_id) ?? []), run]);
    const attempts = new Map<string, number>();
    for (const [openId, { jobId, seq }] of this.positions) {
      const run = byJob.get(jobId)?.find((r) => seq >= r.seq && seq < r.seq + r.count);
      if (run) attempts.set(openId, run.attempts);
    }
    return attempts;
  }

  /** The reqMsgIds of the requests that carried each openId, in the order they left. */
  departuresByOpenId(): Map<string, string[]> {
    const byOpenId = new Map<string, string[]>();
    for (const d of this.departures)
      for (const openId of d.openIds) byOpenId.set(openId, [...(byOpenId.get(openId) ?? []), d.reqMsgId]);
    return byOpenId;
  }

  /** Rows of a query on the outbox, for assertions on stored state. */
  rows<T extends object>(query: string, ...params: (string | number | null)[]): T[] {
    return this.sql.exec<T>(query, ...params);
  }

  private call(task: CallbackTask): void {
    const n = this.callbacks.length;
    this.callbacks.push({ at: this.now, task });
    const answer = this.receiver(task, n, this.now);
    if (answer === "lost") return;
    this.callbackReports.push({ at: this.now + 50, task, delivered: answer });
    this.callbackReports.sort((a, b) => a.at - b.at);
  }

  private depart(task: SendTask): void {
    // The simulated sender holds the request until its slot, as the real one does, and holds it back
    // (missed slot) when it is ready later than the slot's end.
    const at = Math.max(this.now, task.notBefore) + this.lateness(task, this.handedOut++);
    if (at > task.notAfter) {
      const outcome: SendOutcome = {
        kind: "missed-slot",
        resultClass: "unknown",
        reqMsgId: task.reqMsgId,
        reqTime: "",
        latencyMs: 0,
        verified: false,
      };
      this.reports.push({ at, task, outcome });
      this.reports.sort((a, b) => a.at - b.at);
      return;
    }
    const n = this.departures.length;
    const openIds = (JSON.parse(task.notificationInfos) as { openId: string }[]).map((e) => e.openId);
    this.departures.push({
      at,
      requestId: task.requestId,
      reqMsgId: task.reqMsgId,
      merchantId: task.merchantId,
      openIds,
    });
    this.sentOpenIds.push(...openIds);
    const answer = this.gateway(task, n, at);
    if (answer === "lost") return;
    const outcome: SendOutcome = {
      ...answer.outcome,
      reqMsgId: task.reqMsgId,
      reqTime: new Date(at).toISOString(),
      latencyMs: answer.afterMs,
      sentAt: at,
      verified: answer.outcome.kind === "answered",
    };
    this.reports.push({ at: at + answer.afterMs, task, outcome });
    this.reports.sort((a, b) => a.at - b.at);
  }

  private start(): Engine {
    return new Engine(this.sql, this.settings, {
      random: seededRandom(),
      log: (fields) => {
        this.logs.push(fields);
      },
    }).open(this.now);
  }
}
