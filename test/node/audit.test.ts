/**
 * CI's audit verdict (scripts/audit.ts): a real report fails on high or critical findings only; an audit
 * endpoint that does not answer (unreachable, or an error status as some mirrors give) is not a finding.
 */
import { describe, expect, it } from "vitest";
import { auditVerdict } from "../../scripts/audit.ts";

// The shape `npm audit --json` prints (report version 2), trimmed to what the verdict reads and a little more.
const report = (counts: Record<string, number>) =>
  JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities: {},
    metadata: {
      vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0, ...counts },
      dependencies: { prod: 12, dev: 0, optional: 0, peer: 0, peerOptional: 0, total: 11 },
    },
  });

describe("auditVerdict", () => {
  it("reads a report's high and critical counts", () => {
    expect(auditVerdict(report({}))).toEqual({ kind: "report", high: 0, critical: 0, total: 0 });
    expect(auditVerdict(report({ moderate: 2, total: 2 }))).toEqual({ kind: "report", high: 0, critical: 0, total: 2 });
    expect(auditVerdict(report({ high: 1, critical: 2, total: 3 }))).toEqual({
      kind: "report",
      high: 1,
      critical: 2,
      total: 3,
    });
  });

  it("says unanswered for what npm prints when the endpoint cannot be reached or answers an error", () => {
    // Captured from npm 11: a mirror that answers 405 to the bulk advisory endpoint, and a closed port.
    const refusedByMirror = JSON.stringify({
      message: "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
      method: "POST",
      statusCode: 405,
      body: "",
      error: { summary: "", detail: "" },
    });
    const unreachable = JSON.stringify({
      message:
        "request to http://127.0.0.1:9/-/npm/v1/security/advisories/bulk failed, reason: connect ECONNREFUSED 127.0.0.1:9",
      error: { summary: "", detail: "" },
    });
    expect(auditVerdict(refusedByMirror)).toEqual({
      kind: "unanswered",
      reason: expect.stringMatching(/^405 Method Not Allowed/),
    });
    expect(auditVerdict(unreachable)).toEqual({ kind: "unanswered", reason: expect.stringContaining("ECONNREFUSED") });
    expect(auditVerdict("")).toMatchObject({ kind: "unanswered" });
    expect(auditVerdict('{"metadata": {}}')).toMatchObject({ kind: "unanswered" });
  });
});
