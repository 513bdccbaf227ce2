/**
 * Storage (the engine issue's target): the outbox database's size after one 20,000-notification run
 * and after a second one, both completed, as the relay itself reports it (`/v1/status` →
 * `storage.bytes`, the Durable Object's `sql.databaseSize`). Payload pages freed by the first run are
 * reused by the second, so it grows only by the settled rows it keeps.
 */
import { bodyOf, withRun } from "./harness.ts";

/** Storage figures, bytes. */
export interface StorageResult {
  notificationsPerRun: number;
  /** Bytes of request bodies per run: what the outbox would grow by if payload pages were not reused. */
  bodyBytesPerRun: number;
  afterFirst: number;
  afterSecond: number;
}

/** Runs two `notifications`-notification jobs one after the other at `quota` and reads the database size after each. */
export async function measureStorage(notifications = 20_000, quota = 200) {
  return withRun({ maxRps: quota, gatewayLimitRps: 0 }, async ({ client }) => {
    const sizes: number[] = [];
    let bodyBytes = 0;
    for (const tag of ["first", "second"]) {
      const jobIds: string[] = [];
      bodyBytes = 0;
      for (let start = 0; start < notifications; start += 10_000) {
        const body = bodyOf(`${tag}${start}`, Math.min(10_000, notifications - start));
        bodyBytes += body.length;
        const answer = await client.submit(body);
        if (answer.status !== 202) throw new Error(`storage: HTTP ${answer.status}`);
        jobIds.push((answer.body as { jobId: string }).jobId);
      }
      await client.waitForJobs(jobIds, 120_000);
      const status = (await client.status()) as { storage?: { bytes: number } };
      if (!status.storage) throw new Error("storage: /v1/status has no storage figure");
      sizes.push(status.storage.bytes);
    }
    return { notificationsPerRun: notifications, bodyBytesPerRun: bodyBytes, afterFirst: sizes[0] ?? 0, afterSecond: sizes[1] ?? 0 } satisfies StorageResult;
  });
}
