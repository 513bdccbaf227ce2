/**
 * New work refused for now (the backlog or the caller's share of it, the storage cap, the caller's
 * undelivered callbacks), as the problem answer with its `Retry-After`: one place for the submit route
 * and the storefront sources.
 */
import type { Context } from "hono";
import type { Refusal } from "../engine/api";
import { problem } from "./problem";

/** The problem response for a refusal that passes with time. */
export function refusalProblem(c: Context, result: Refusal): Response {
  const retry = { "Retry-After": String(result.retryAfterSeconds) };
  const seconds = result.retryAfterSeconds;
  switch (result.kind) {
    case "backlog-full":
      if (result.callerRuns !== undefined && result.callerShare !== undefined) {
        const detail =
          `This caller holds ${result.callerRuns} stored runs of notifications, more than its share (${result.callerShare}) of the backlog, ` +
          `and the backlog is in the reserve kept for callers within their share (RELAY_MAX_BACKLOG_BATCHES); retry in ${seconds} s.`;
        return problem(c, "backlog-full", detail, { retryAfterSeconds: seconds }, retry);
      }
      return problem(
        c,
        "backlog-full",
        `The backlog holds ${result.backlogRuns} of ${result.limit} stored runs of notifications (RELAY_MAX_BACKLOG_BATCHES); retry in ${seconds} s.`,
        { retryAfterSeconds: seconds },
        retry,
      );
    case "storage-full":
      return problem(
        c,
        "storage-full",
        `The outbox is at its size cap (RELAY_STORAGE_CAP_BYTES); nothing was queued. Sending goes on and frees room; retry in ${seconds} s.`,
        { retryAfterSeconds: seconds },
        retry,
      );
    case "callbacks-pending":
      return problem(
        c,
        "callbacks-pending",
        `${result.pending} completion callbacks of this caller are not delivered yet (RELAY_MAX_PENDING_CALLBACKS ${result.limit}): ` +
          `nothing was queued. Requests without callbackUrl are still accepted; retry in ${seconds} s.`,
        { retryAfterSeconds: seconds },
        retry,
      );
  }
}
