/**
 * CPU time from Linux's /proc, for the cost figures. A process's CPU is utime + stime from
 * /proc/<pid>/stat (clock ticks, usually 10 ms each); a process tree is found by following ppid.
 * Limits: tick resolution (10 ms per process and read), so only totals over many batches mean anything;
 * Linux only (elsewhere the cost figures are left out).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** True where /proc can be read (Linux). */
export const HAS_PROC = existsSync("/proc/self/stat");

/** One process as /proc shows it. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  /** utime + stime, ms. */
  cpuMs: number;
  /** cutime + cstime (reaped children), ms. */
  childrenCpuMs: number;
  cmdline: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name "(…)", which may itself hold spaces: state is field 3.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ms = (ticks: string | undefined) => (Number(ticks) * 1000) / TICKS_PER_SECOND;
    return {
      pid,
      ppid: Number(f[1]),
      cpuMs: ms(f[11]) + ms(f[12]),
      childrenCpuMs: ms(f[13]) + ms(f[14]),
      cmdline: readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim(),
    };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** `root` and every live descendant. */
export function processTree(root: number): ProcInfo[] {
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is ProcInfo => p !== undefined);
  const out: ProcInfo[] = [];
  const wanted = new Set([root]);
  // Parents have lower pids only usually, so iterate until nothing new joins.
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!wanted.has(p.pid) && wanted.has(p.ppid)) {
        wanted.add(p.pid);
        grew = true;
      }
    }
  }
  for (const p of all) if (wanted.has(p.pid)) out.push(p);
  return out;
}

/** The relay's processes under `wrangler dev`, by role. */
export interface RelayCpu {
  /** The workerd running the relay's own code (Worker, Durable Object, senders): the production part. */
  runtimeMs: number;
  /** wrangler's other workerd (its proxy in front of the relay) and wrangler's Node process: local-only overhead. */
  devOverheadMs: number;
}

/**
 * CPU so far of the relay tree under `wranglerPid`. The runtime workerd is told apart from the proxy
 * one by its `--inspector-addr` flag (wrangler 4 gives it only to the process running user code).
 */
export function relayCpu(wranglerPid: number): RelayCpu {
  let runtimeMs = 0;
  let devOverheadMs = 0;
  for (const p of processTree(wranglerPid)) {
    if (p.cmdline.includes("workerd") && p.cmdline.includes("--inspector-addr")) runtimeMs += p.cpuMs;
    else devOverheadMs += p.cpuMs;
  }
  return { runtimeMs, devOverheadMs };
}

/** The pid of the workerd running the relay's code, if found. */
export function runtimePid(wranglerPid: number): number | undefined {
  return processTree(wranglerPid).find((p) => p.cmdline.includes("workerd") && p.cmdline.includes("--inspector-addr"))
    ?.pid;
}

/** Busy CPU of the whole machine so far (all cores, idle and iowait excluded), ms. */
export function machineBusyMs(): number {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  return ((user + nice + system + irq + softirq + steal) * 1000) / TICKS_PER_SECOND;
}

/** CPU so far of this process and everything it started (live descendants plus reaped children), ms. */
export function ownTreeMs(): number {
  return processTree(process.pid).reduce((sum, p) => sum + p.cpuMs + p.childrenCpuMs, 0);
}

/** The TCP ports `pid` listens on (from /proc/net/tcp and the process's socket inodes). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // fd closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] === "0A" && inodes.has(f[9]!)) ports.push(Number.parseInt(f[1]!.split(":")[1]!, 16));
  }
  return ports;
}

/** CPU so far, ms, of each part of a local run and of the whole machine. */
export interface RunCpu {
  relay: number;
  devOverhead: number;
  standIn: number;
  bench: number;
  machine: number;
}

/**
 * Reads RunCpu now: the relay under `relayPid` (wrangler dev, or a self-hosted relay's own process, which
 * has no dev overhead), the stand-in process `standInPid`, this process.
 */
export function runCpu(relayPid: number, standInPid: number, selfHosted = false): RunCpu {
  const { runtimeMs, devOverheadMs } = selfHosted
    ? { runtimeMs: processTree(relayPid).reduce((sum, p) => sum + p.cpuMs, 0), devOverheadMs: 0 }
    : relayCpu(relayPid);
  const usage = process.cpuUsage();
  return {
    relay: runtimeMs,
    devOverhead: devOverheadMs,
    standIn: processTree(standInPid).reduce((sum, p) => sum + p.cpuMs, 0),
    bench: (usage.user + usage.system) / 1000,
    machine: machineBusyMs(),
  };
}

/** Cores each part used between two readings `wallMs` apart; `others` = the rest of the machine. */
export function coresBetween(a: RunCpu, b: RunCpu, wallMs: number) {
  const cores = (key: keyof RunCpu) => (b[key] - a[key]) / wallMs;
  const relay = cores("relay");
  const devOverhead = cores("devOverhead");
  const standIn = cores("standIn");
  const bench = cores("bench");
  return { relay, devOverhead, standIn, bench, others: Math.max(0, cores("machine") - relay - devOverhead - standIn - bench) };
}

/** True where the kernel keeps per-thread scheduler statistics. */
const HAS_SCHEDSTAT = existsSync("/proc/self/schedstat");

/**
 * How long the threads of `pids` have waited so far while runnable, for a core to run on, ms: the second
 * field of /proc/<pid>/task/<tid>/schedstat (ns). On a machine with more runnable threads than cores this
 * is the time a process lost to the others; threads that already exited are not counted. Undefined where
 * the kernel does not keep it.
 */
export function runQueueWaitMs(pids: readonly number[]): number | undefined {
  if (!HAS_SCHEDSTAT) return undefined;
  let ns = 0;
  for (const pid of pids) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      // the process is gone
    }
    for (const tid of tids) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[1]);
      } catch {
        // the thread is gone
      }
    }
  }
  return ns / 1e6;
}

/** The processes running the relay's code: the workerd under wrangler dev with the Worker, or the self-hosted relay's tree. */
export function relayPids(relayPid: number, selfHosted: boolean): number[] {
  if (selfHosted) return processTree(relayPid).map((p) => p.pid);
  const runtime = runtimePid(relayPid);
  return runtime === undefined ? [] : [runtime];
}
