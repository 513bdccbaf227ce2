/**
 * The core, engine and self-hosted suites (test/core, test/engine, test/self-hosted: the same files) run
 * again under Deno, by vitest itself started with the deno binary from node_modules (vitest.deno.config.ts;
 * its setup file refuses to run anywhere but Deno). Deno's WebCrypto, node:sqlite and node:https are what
 * the self-hosted relay uses there.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../dev/local-run.ts";
import { denoExecutable } from "../../scripts/self-hosted.ts";

interface JsonReport {
  numTotalTests: number;
  numPassedTests: number;
  testResults: { name: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

describe("under Deno", () => {
  it("passes every test of test/core, test/engine and test/self-hosted", async () => {
    const temp = await mkdtemp(join(tmpdir(), "alipay-relay-deno-suites-"));
    try {
      const report = join(temp, "report.json");
      const vitest = join(PROJECT_ROOT, "node_modules", "vitest", "vitest.mjs");
      const args = [
        "run",
        "-A",
        vitest,
        "run",
        "-c",
        "vitest.deno.config.ts",
        "--reporter=json",
        `--outputFile=${report}`,
      ];
      const output: string[] = [];
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(denoExecutable(PROJECT_ROOT), args, {
          cwd: PROJECT_ROOT,
          stdio: ["ignore", "pipe", "pipe"],
        });
        child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
        child.once("exit", resolve);
      });
      const result = JSON.parse(await readFile(report, "utf8")) as JsonReport;
      const failed = result.testResults.flatMap((f) =>
        f.assertionResults
          .filter((a) => a.status === "failed")
          .map((a) => `${f.name}: ${a.fullName}\n${a.failureMessages.join("\n")}`),
      );
      expect(failed, output.join("").slice(-4000)).toEqual([]);
      expect(code).toBe(0);
      // Every suite was there: not a run that found nothing.
      const files = result.testResults.map((f) => f.name);
      expect(files.some((f) => f.includes("/test/core/"))).toBe(true);
      expect(files.some((f) => f.includes("/test/engine/"))).toBe(true);
      expect(files.some((f) => f.includes("/test/self-hosted/"))).toBe(true);
      console.info(
        `under Deno: ${result.numPassedTests} of ${result.numTotalTests} core, engine and self-hosted tests passed in ${files.length} files`,
      );
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }, 150_000);
});
