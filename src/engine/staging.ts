/**
 * Storing a large request without holding the thread: its batches are written a slice at a time, in
 * state `staged`, with the host's other work (sends, reports, other requests) let through between
 * slices; then one short transaction stores the job and makes them queued. Until then nothing reads
 * them (every reader looks at queued, in-flight or a job's batches, and the job does not exist yet), so
 * a request is queued whole or not at all: a refused one drops its staged rows, and rows left by an
 * instance that died mid-request are dropped when the next one opens the outbox.
 *
 * Only requests without `dedupKey`s are staged: deduplication repacks the batches, and must see the
 * keys stored by every request accepted before it, so it runs with the job's own transaction.
 */
import type { WireBatch } from "../core/batch";
import type { Engine } from "./engine";
import type { Outbox } from "./outbox";
import type { SqlAdapter } from "./sql";
import type { SubmitRequest, SubmitResult } from "./types";

/** Batches written per slice: 10 full batches are about 200 KB, a few ms of SQLite work. */
export const STAGE_SLICE_BATCHES = 10;

/** Whether `request` is stored in slices: more than one slice of batches, and no dedupKey. */
export function staged(request: SubmitRequest): boolean {
  return request.batches.length > STAGE_SLICE_BATCHES && !request.batches.some((b) => b.dedupKeys?.some((k) => k !== null));
}

/** Writes `batches` (from `firstSeq` on) of job `jobId` as staged: stored, not yet queued. */
export function stageBatches(sql: SqlAdapter, outbox: Outbox, request: SubmitRequest, firstSeq: number, batches: readonly WireBatch[]): void {
  sql.transaction(() =>
    outbox.insertBatches(request.jobId, firstSeq, batches, {
      state: "staged",
      nextAt: 0, // set when the job is stored
      expiresAt: request.expiresAt ?? null,
      onUnknown: request.onUnknown ?? "retry",
    }),
  );
}

/** Drops the staged batches of `jobId`, or with null every staged batch (what an instance that died left). */
export function dropStaged(sql: SqlAdapter, jobId: string | null): number {
  return sql.transaction(() => {
    const where = jobId === null ? "state = 'staged'" : "state = 'staged' AND job_id = ?";
    const params = jobId === null ? [] : [jobId];
    sql.exec(`DELETE FROM payloads WHERE batch_id IN (SELECT batch_id FROM batches WHERE ${where})`, ...params);
    return sql.exec(`DELETE FROM batches WHERE ${where} RETURNING batch_id`, ...params).length;
  });
}

/**
 * Submits `request` to `engine`, staging it a slice at a time first when it is large (`staged`), with
 * `pause()` between slices (a host's yield to its event loop). The answer is `Engine.submit`'s.
 */
export async function submitInSlices(engine: Engine, request: SubmitRequest, now: () => number, pause: () => Promise<void>): Promise<SubmitResult> {
  if (!staged(request)) return engine.submit(request, now());
  // A request that would be refused is refused before anything is written.
  const refused = engine.precheck(request, now());
  if (refused) return refused;
  try {
    for (let from = 0; from < request.batches.length; from += STAGE_SLICE_BATCHES) {
      engine.stage(request, from, request.batches.slice(from, from + STAGE_SLICE_BATCHES));
      await pause();
    }
    return engine.submit(request, now(), { staged: true });
  } catch (error) {
    engine.dropStaged(request.jobId);
    throw error;
  }
}
