import type { Context } from "hono";
import type { Submission } from "../core/submission";
import { problem } from "./problem";

/** The RFC 9457 answer to a submission that `parseSubmission` refused. */
export function submissionProblem(c: Context, refused: Exclude<Submission, { ok: true }>): Response {
  switch (refused.kind) {
    case "malformed-json":
      return problem(c, "malformed-json", `The body is not valid JSON: ${refused.detail}.`);
    case "too-many-notifications":
      return problem(
        c,
        "too-many-notifications",
        `${refused.count} notifications; at most ${refused.limit} per request. Split the request.`,
        { limit: refused.limit },
      );
    case "invalid-request": {
      const { errors, truncated } = refused;
      const found = truncated
        ? `More than ${errors.length} problems found (the first ${errors.length} listed)`
        : `${errors.length} problem(s) found`;
      return problem(c, "invalid-request", `${found}; nothing was queued.`, {
        errors,
        ...(truncated ? { truncated } : {}),
      });
    }
  }
}
