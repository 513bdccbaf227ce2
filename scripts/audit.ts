/**
 * CI's supply-chain check (`.ci/run`): the production dependencies' known advisories. It fails on a high
 * or critical finding, and only on a real answer: `npm audit` exits 1 both for findings and when the
 * registry's audit endpoint cannot be reached (or answers an error, as some mirrors do with 405), so the
 * verdict is read from its JSON, where a report carries `auditReportVersion` and per-severity counts
 * and a failure carries `error` and `message` instead. An unanswered audit is said plainly and skipped.
 */
import { spawnSync } from "node:child_process";

/** What an `npm audit --json` output says. */
export type AuditVerdict =
  | { kind: "report"; high: number; critical: number; total: number }
  | { kind: "unanswered"; reason: string };

/** Reads `npm audit --json` output. */
export function auditVerdict(output: string): AuditVerdict {
  let json: unknown;
  try {
    json = JSON.parse(output);
  } catch {
    return { kind: "unanswered", reason: "npm audit printed no JSON" };
  }
  const report = json as {
    auditReportVersion?: unknown;
    message?: unknown;
    metadata?: { vulnerabilities?: Record<string, unknown> };
  };
  const counts = report.metadata?.vulnerabilities;
  if (report.auditReportVersion === undefined || counts === undefined) {
    const message = typeof report.message === "string" ? report.message.split("\n")[0]! : "no report";
    return { kind: "unanswered", reason: message.slice(0, 300) };
  }
  const count = (severity: string) => (typeof counts[severity] === "number" ? (counts[severity] as number) : 0);
  return { kind: "report", high: count("high"), critical: count("critical"), total: count("total") };
}

// Run as a script: `node scripts/audit.ts` (Node's type stripping).
if (import.meta.url === `file://${process.argv[1]}`) {
  const audit = spawnSync("npm", ["audit", "--omit=dev", "--json"], { encoding: "utf8", timeout: 120_000 });
  const verdict = auditVerdict(audit.stdout ?? "");
  if (verdict.kind === "unanswered") {
    console.log(`npm audit: the registry's audit endpoint did not answer (${verdict.reason}); skipped`);
  } else if (verdict.high + verdict.critical > 0) {
    // The readable list, from npm itself, then the failure.
    spawnSync("npm", ["audit", "--omit=dev", "--audit-level=high"], { stdio: "inherit" });
    console.error(`npm audit: ${verdict.critical} critical and ${verdict.high} high findings in production dependencies`);
    process.exit(1);
  } else {
    console.log(`npm audit: no high or critical finding in production dependencies (${verdict.total} lower)`);
  }
}
