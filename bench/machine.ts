/** The machine a benchmark ran on, for the results file and docs/benchmarks.md. */
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { PROJECT_ROOT } from "../dev/local-run.ts";

/** nproc, CPU model, Node, workerd and wrangler versions, load average at the start. */
export interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  workerd: string;
  wrangler: string;
  loadAverage1m: number;
}

function packageVersion(name: string): string {
  try {
    const json = JSON.parse(readFileSync(`${PROJECT_ROOT}/node_modules/${name}/package.json`, "utf8")) as {
      version: string;
    };
    return json.version;
  } catch {
    return "unknown";
  }
}

/** Describes this machine. */
export function describeMachine(): Machine {
  let cpuModel = "unknown";
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux
  }
  return {
    nproc: availableParallelism(),
    cpuModel,
    node: process.version,
    workerd: packageVersion("workerd"),
    wrangler: packageVersion("wrangler"),
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
  };
}
