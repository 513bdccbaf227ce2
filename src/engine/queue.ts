/**
 * The queue in memory: every queued run (no text), rebuilt from the outbox when the engine opens, and
 * kept in step with it by the engine (the outbox stays the truth; a lost queue is rebuilt, never needed).
 * Runs that are due sit in lanes — merchant, then caller, then job — with each lane's due count, so
 * assembling a request visits only the lanes it takes from: microseconds per slot however long the queue.
 * Runs not due yet (`sendAfter`, a retry's backoff) wait in a heap by due time.
 *
 * `take` assembles one request's worth at a slot: one merchantId (merchants take turns), the places
 * shared between callers by weight, then between each caller's jobs (decide/fair-share.ts), the jobs
 * served moving to the back of the caller's rotation; within a job, runs back from a retry first, then
 * in order. What fairness remembers (what
 * each caller is owed, where each rotation stands) lives here only: after a restart it starts afresh.
 */
import { fairShares, jobPlaces, wholePlaces } from "./decide/fair-share";
import type { QueuedRunRow } from "./store/rows";

/** A queued run as the queue holds it. */
export interface QueuedRun {
  runId: number;
  jobId: string;
  owner: string;
  merchantId: string;
  seq: number;
  count: number;
  payloadId: number;
  first: number;
  attempts: number;
  front: boolean;
  nextAt: number;
  expiresAt: number | null;
  atMostOnce: boolean;
  /** Where it is: in its job's lane (due), waiting in the heap, or gone while still in the heap (dropped lazily). */
  place?: "lane" | "waiting" | "gone";
}

/** Part or all of a run taken for a request, as the run stood before the take. */
export interface Piece {
  run: Readonly<QueuedRun>;
  count: number;
  whole: boolean;
}

/** One request's worth, assembled at a slot. */
export interface Assembled {
  merchantId: string;
  pieces: Piece[];
  size: number;
  /** The earliest deadline among the notifications taken (ms epoch), or null. */
  expiresAt: number | null;
}

/** What the status shows of one caller. */
export interface CallerFigures {
  owner: string;
  weight: number;
  /** Notifications due now. */
  due: number;
  /** Notifications queued in all (due, or waiting for `sendAfter` or a retry's backoff). */
  queued: number;
  /** Its fair share of the next request's places, 0..1 (0 while it has nothing due). */
  share: number;
  /** Stored runs it holds (what RELAY_MAX_BACKLOG_BATCHES counts). */
  runs: number;
}

/** What admission reads of the queue: one caller's work, or everyone's. */
export interface BacklogFigures {
  /** Queued runs. */
  runs: number;
  /** Of which due now. */
  dueRuns: number;
  /** Notifications due now. */
  dueNotifications: number;
  /** Notifications queued (due or waiting). */
  notifications: number;
  /** When the earliest waiting run falls due (ms epoch), or null. */
  nextWaitingAt: number | null;
}

interface JobLane {
  due: number;
  /** Due runs: back from a retry first, then in order. */
  runs: QueuedRun[];
}

interface CallerLane {
  due: number;
  /** In rotation order: a job served moves to the back. */
  jobs: Map<string, JobLane>;
  /** Places this caller was owed after the last requests (rounding; deficit round robin). */
  owed: number;
}

interface MerchantLane {
  due: number;
  callers: Map<string, CallerLane>;
}

/** The largest request AlipayHK takes: `notificationInfos` has at most 100 elements. */
export const REQUEST_PLACES = 100;

/** Every queued run, in memory. */
export class DueQueue {
  private readonly merchants = new Map<string, MerchantLane>();
  /** Runs not due yet, a min-heap by `nextAt`. */
  private readonly waiting: QueuedRun[] = [];
  private readonly runs = new Map<number, QueuedRun>();
  /** Queued notifications per owner (due or waiting). */
  private readonly queuedBy = new Map<string, number>();
  /** Queued runs per owner (due or waiting), and of those the due ones. */
  private readonly runsBy = new Map<string, number>();
  private readonly dueRunsBy = new Map<string, number>();
  /** Each owner's runs not due yet, a min-heap by `nextAt` (as `waiting`, dropped lazily). */
  private readonly waitingBy = new Map<string, QueuedRun[]>();
  private readonly weightOf: (owner: string) => number;
  private dueCount = 0;

  constructor(weightOf: (owner: string) => number) {
    this.weightOf = weightOf;
  }

  /** Notifications due now (after the last `promote`). */
  get due(): number {
    return this.dueCount;
  }

  /** Requests it takes to carry what is due: per merchant, full requests and one for the rest. */
  get requestsDue(): number {
    let requests = 0;
    for (const lane of this.merchants.values()) requests += Math.ceil(lane.due / REQUEST_PLACES);
    return requests;
  }

  /** Adds queued runs (from the outbox's rows); due ones join their lanes at once. */
  add(rows: readonly QueuedRunRow[], now: number): void {
    for (const row of rows) {
      const run: QueuedRun = {
        runId: row.run_id,
        jobId: row.job_id,
        owner: row.owner,
        merchantId: row.merchant_id,
        seq: row.seq,
        count: row.count,
        payloadId: row.payload_id,
        first: row.first,
        attempts: row.attempts,
        front: row.front === 1,
        nextAt: row.next_at,
        expiresAt: row.expires_at,
        atMostOnce: row.at_most_once === 1,
      };
      this.runs.set(run.runId, run);
      this.queuedBy.set(run.owner, (this.queuedBy.get(run.owner) ?? 0) + run.count);
      bump(this.runsBy, run.owner, 1);
      if (run.nextAt <= now) this.enter(run);
      else {
        run.place = "waiting";
        heapPush(this.waiting, run);
        heapPush(
          getOr(this.waitingBy, run.owner, () => []),
          run,
        );
      }
    }
  }

  /** Takes runs out of the queue (they ended without a send, or a late answer ended them). */
  remove(runIds: readonly number[]): void {
    for (const runId of runIds) {
      const run = this.runs.get(runId);
      if (!run) continue;
      this.runs.delete(runId);
      this.queuedBy.set(run.owner, (this.queuedBy.get(run.owner) ?? 0) - run.count);
      if (this.queuedBy.get(run.owner) === 0) this.queuedBy.delete(run.owner);
      bump(this.runsBy, run.owner, -1);
      if (run.place === "waiting") run.place = "gone";
      else this.leave(run);
    }
  }

  /** Moves the runs that fell due by `now` into their lanes. */
  promote(now: number): void {
    for (;;) {
      const top = this.waiting[0];
      if (!top || top.nextAt > now) return;
      heapPop(this.waiting);
      if (top.place === "waiting") this.enter(top);
      this.dropPassed(top.owner);
    }
  }

  /** When the next waiting run falls due (ms epoch), or null. */
  nextDueAt(): number | null {
    while (this.waiting[0]?.place === "gone") heapPop(this.waiting);
    return this.waiting[0]?.nextAt ?? null;
  }

  /**
   * Assembles one request at a slot starting `at`: up to `places` due notifications of one merchantId,
   * shared fairly, none whose deadline falls at or before `at + marginMs` (the time it may take to reach
   * AlipayHK). The runs taken leave the queue (a run taken in part keeps its rest queued). Null when
   * nothing can be taken.
   */
  take(at: number, places: number = REQUEST_PLACES, marginMs = 0): Assembled | null {
    for (const merchantId of [...this.merchants.keys()]) {
      const merchant = this.merchants.get(merchantId) as MerchantLane;
      // Merchants take turns: the one served goes to the back.
      this.merchants.delete(merchantId);
      this.merchants.set(merchantId, merchant);
      const assembled = this.assemble(merchantId, merchant, at + marginMs, places);
      if (assembled.size > 0) return assembled;
    }
    return null;
  }

  /** Queued work of `owner`, or of everyone for null: runs (due and in all), notifications, the next waiting. */
  backlog(owner: string | null): BacklogFigures {
    if (owner === null) {
      let dueRuns = 0;
      for (const n of this.dueRunsBy.values()) dueRuns += n;
      let notifications = 0;
      for (const n of this.queuedBy.values()) notifications += n;
      return {
        runs: this.runs.size,
        dueRuns,
        dueNotifications: this.dueCount,
        notifications,
        nextWaitingAt: this.nextDueAt(),
      };
    }
    let dueNotifications = 0;
    for (const merchant of this.merchants.values()) dueNotifications += merchant.callers.get(owner)?.due ?? 0;
    const heap = this.dropPassed(owner);
    return {
      runs: this.runsBy.get(owner) ?? 0,
      dueRuns: this.dueRunsBy.get(owner) ?? 0,
      dueNotifications,
      notifications: this.queuedBy.get(owner) ?? 0,
      nextWaitingAt: heap?.[0]?.nextAt ?? null,
    };
  }

  /** Drops the runs at the top of `owner`'s waiting heap that are no longer waiting; returns the heap. */
  private dropPassed(owner: string): QueuedRun[] | undefined {
    const heap = this.waitingBy.get(owner);
    while (heap && heap.length > 0 && heap[0]?.place !== "waiting") heapPop(heap);
    if (heap?.length === 0) {
      this.waitingBy.delete(owner);
      return undefined;
    }
    return heap;
  }

  /** The total weight of the callers holding queued runs, `except` one. */
  weightHolding(except: string): number {
    let weight = 0;
    for (const owner of this.runsBy.keys()) if (owner !== except) weight += this.weightOf(owner);
    return weight;
  }

  /** Each caller's figures (all, or `owner`'s only). */
  callers(owner: string | null = null): CallerFigures[] {
    const due = new Map<string, number>();
    for (const merchant of this.merchants.values()) {
      for (const [key, lane] of merchant.callers) due.set(key, (due.get(key) ?? 0) + lane.due);
    }
    const owners = [...new Set([...this.queuedBy.keys(), ...due.keys(), ...this.runsBy.keys()])].sort();
    const claims = owners.map((o) => ({ due: due.get(o) ?? 0, weight: this.weightOf(o) }));
    const shares = fairShares(claims, REQUEST_PLACES);
    return owners
      .map((o, i) => ({
        owner: o,
        weight: this.weightOf(o),
        due: due.get(o) ?? 0,
        queued: this.queuedBy.get(o) ?? 0,
        share: (shares[i] ?? 0) / REQUEST_PLACES,
        runs: this.runsBy.get(o) ?? 0,
      }))
      .filter((c) => owner === null || c.owner === owner);
  }

  /**
   * The places per request `owner` would get with `adding` more notifications due, next to everyone
   * due now: its weighted share, for an estimate of when its work is sent.
   */
  placesFor(owner: string, adding: number): number {
    const figures = this.callers();
    const own = figures.find((c) => c.owner === owner);
    const claims = figures.filter((c) => c.owner !== owner && c.due > 0).map((c) => ({ due: c.due, weight: c.weight }));
    const mine = { due: (own?.queued ?? 0) + adding, weight: this.weightOf(owner) };
    if (mine.due === 0) return 0;
    // Everyone else is taken to keep a full claim, so this is the least it can count on.
    const shares = fairShares(
      [...claims.map((c) => ({ ...c, due: Math.max(c.due, REQUEST_PLACES) })), mine],
      REQUEST_PLACES,
    );
    return shares.at(-1) ?? 0;
  }

  private assemble(merchantId: string, merchant: MerchantLane, cutoff: number, places: number): Assembled {
    const assembled: Assembled = { merchantId, pieces: [], size: 0, expiresAt: null };
    // Shares are computed again while places are left and work is due (a deadline within the slot may
    // leave a caller's places unused): each pass takes at least one notification or stops.
    for (let left = places; left > 0 && merchant.due > 0; ) {
      const callers = [...merchant.callers];
      const dues = callers.map(([, lane]) => lane.due);
      const shares = fairShares(
        callers.map(([owner, lane]) => ({ due: lane.due, weight: this.weightOf(owner) })),
        left,
      );
      const takes = wholePlaces(
        shares,
        dues,
        callers.map(([, lane]) => lane.owed),
      );
      let taken = 0;
      callers.forEach(([, lane], i) => {
        lane.owed += (shares[i] ?? 0) - (takes[i] ?? 0);
        if ((takes[i] ?? 0) > 0) taken += this.takeFromCaller(lane, takes[i] as number, cutoff, assembled);
      });
      if (taken === 0) break;
      left -= taken;
    }
    return assembled;
  }

  private takeFromCaller(caller: CallerLane, places: number, cutoff: number, assembled: Assembled): number {
    // With as many jobs as places, one each for the first in rotation: only those need looking at.
    const jobs: [string, JobLane][] = [];
    for (const entry of caller.jobs) {
      if (jobs.length >= places) break;
      jobs.push(entry);
    }
    const takes = jobPlaces(
      jobs.map(([, lane]) => lane.due),
      places,
    );
    let taken = 0;
    jobs.forEach(([jobId, lane], i) => {
      const want = takes[i] ?? 0;
      if (want === 0) return;
      // A job served goes to the back of its caller's rotation.
      caller.jobs.delete(jobId);
      caller.jobs.set(jobId, lane);
      taken += this.takeFromJob(lane, want, cutoff, assembled);
    });
    return taken;
  }

  /** Takes up to `want` of a job's notifications whose deadline (if any) is after `cutoff`. */
  private takeFromJob(lane: JobLane, want: number, cutoff: number, assembled: Assembled): number {
    let taken = 0;
    for (const run of [...lane.runs]) {
      if (taken >= want) break;
      // Its deadline falls within the slot or the way to AlipayHK: it is not sent (a tick expires it).
      if (run.expiresAt !== null && run.expiresAt <= cutoff) continue;
      const count = Math.min(run.count, want - taken);
      const whole = count === run.count;
      assembled.pieces.push({ run: { ...run }, count, whole });
      assembled.size += count;
      if (run.expiresAt !== null) assembled.expiresAt = Math.min(assembled.expiresAt ?? run.expiresAt, run.expiresAt);
      taken += count;
      this.queuedBy.set(run.owner, (this.queuedBy.get(run.owner) ?? 0) - count);
      if (this.queuedBy.get(run.owner) === 0) this.queuedBy.delete(run.owner);
      if (whole) {
        this.runs.delete(run.runId);
        bump(this.runsBy, run.owner, -1);
        this.leave(run);
      } else {
        // The rest stays queued, where it was.
        run.seq += count;
        run.first += count;
        run.count -= count;
        this.shrink(run, count);
      }
    }
    return taken;
  }

  /** Puts a due run in its job's lane (back from a retry: in front; else by position). */
  private enter(run: QueuedRun): void {
    const merchant = getOr(this.merchants, run.merchantId, () => ({ due: 0, callers: new Map<string, CallerLane>() }));
    const caller = getOr(merchant.callers, run.owner, () => ({ due: 0, jobs: new Map<string, JobLane>(), owed: 0 }));
    const job = getOr(caller.jobs, run.jobId, () => ({ due: 0, runs: [] as QueuedRun[] }));
    const rank = (r: QueuedRun) => (r.front ? 0 : 1);
    let i = job.runs.length;
    while (
      i > 0 &&
      (rank(job.runs[i - 1] as QueuedRun) > rank(run) ||
        (rank(job.runs[i - 1] as QueuedRun) === rank(run) && (job.runs[i - 1] as QueuedRun).seq > run.seq))
    )
      i--;
    job.runs.splice(i, 0, run);
    run.place = "lane";
    bump(this.dueRunsBy, run.owner, 1);
    job.due += run.count;
    caller.due += run.count;
    merchant.due += run.count;
    this.dueCount += run.count;
  }

  /** Takes a run out of its lane; empty lanes go (a caller's debt with them, as deficit round robin does). */
  private leave(run: QueuedRun): void {
    const merchant = this.merchants.get(run.merchantId);
    const caller = merchant?.callers.get(run.owner);
    const job = caller?.jobs.get(run.jobId);
    if (!merchant || !caller || !job) return;
    const i = job.runs.indexOf(run);
    if (i < 0) return;
    job.runs.splice(i, 1);
    bump(this.dueRunsBy, run.owner, -1);
    this.shrink(run, run.count);
  }

  /** `count` of a run's notifications left its lane (taken, or the run went). */
  private shrink(run: QueuedRun, count: number): void {
    const merchant = this.merchants.get(run.merchantId) as MerchantLane;
    const caller = merchant.callers.get(run.owner) as CallerLane;
    const job = caller.jobs.get(run.jobId) as JobLane;
    job.due -= count;
    caller.due -= count;
    merchant.due -= count;
    this.dueCount -= count;
    if (job.runs.length === 0) caller.jobs.delete(run.jobId);
    if (caller.jobs.size === 0) merchant.callers.delete(run.owner);
    if (merchant.callers.size === 0) this.merchants.delete(run.merchantId);
  }
}

/** Adds `by` to a count in a map; a count that reaches 0 goes. */
function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

function getOr<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function heapPush(heap: QueuedRun[], run: QueuedRun): void {
  heap.push(run);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if ((heap[parent] as QueuedRun).nextAt <= run.nextAt) break;
    heap[i] = heap[parent] as QueuedRun;
    i = parent;
  }
  heap[i] = run;
}

function heapPop(heap: QueuedRun[]): QueuedRun | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length === 0 || last === undefined) return top;
  heap[0] = last;
  const next = (k: number) => (heap[k] as QueuedRun).nextAt;
  for (let i = 0; ; ) {
    const left = 2 * i + 1;
    let smallest = i;
    if (left < heap.length && next(left) < next(smallest)) smallest = left;
    if (left + 1 < heap.length && next(left + 1) < next(smallest)) smallest = left + 1;
    if (smallest === i) break;
    [heap[i], heap[smallest]] = [heap[smallest] as QueuedRun, heap[i] as QueuedRun];
    i = smallest;
  }
  return top;
}
