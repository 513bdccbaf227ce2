/**
 * A CPU profile of the relay's own code, taken through workerd's DevTools inspector (the runtime
 * process's, found by its listening ports: wrangler's inspector proxy on `inspectorPort` wants a
 * browser's Origin and relays badly). Summarized as the functions with the most self time.
 */
import { listeningPorts, runtimePid } from "./proc-cpu.ts";

/** One line of the summary: a function (name, file:line) and its share of the sampled time. */
export interface HotFunction {
  fn: string;
  selfMs: number;
  share: number;
}

/** A running profile; `stop` ends it and summarizes. */
export interface Profiling {
  stop(top?: number): Promise<{ sampledMs: number; hot: HotFunction[]; byArea: Record<string, number> }>;
}

interface CdpNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/**
 * Starts sampling the relay's isolate(s) under the wrangler process `wranglerPid`. workerd handles
 * inspector messages only while the isolate runs something, so `poke` (any request to the relay) is
 * sent every 50 ms until each answer comes.
 */
export async function startProfiling(wranglerPid: number, poke: () => Promise<unknown>): Promise<Profiling> {
  const pid = runtimePid(wranglerPid);
  if (pid === undefined) throw new Error("the relay's workerd process was not found");
  let wsUrl: string | undefined;
  for (const port of listeningPorts(pid)) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json`, { signal: AbortSignal.timeout(1000) });
      const targets = (await res.json()) as { webSocketDebuggerUrl?: string }[];
      if (Array.isArray(targets) && targets[0]?.webSocketDebuggerUrl) wsUrl = targets[0].webSocketDebuggerUrl;
    } catch {
      // not the inspector (the relay's own port answers 404 JSON, others refuse)
    }
  }
  if (!wsUrl) throw new Error("workerd's inspector was not found");
  // wrangler keeps its own inspector session on workerd (for logs); a new session is sometimes never
  // answered, so a session that does not answer Profiler.enable within 3 s is replaced.
  let session: Session | undefined;
  for (let attempt = 1; attempt <= 5 && !session; attempt++) {
    const candidate = await openSession(wsUrl, poke);
    try {
      await candidate.call("Profiler.enable", {}, 3000);
      session = candidate;
    } catch {
      candidate.close();
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  if (!session) throw new Error("workerd's inspector did not answer (5 sessions tried)");
  const active = session;
  const { call } = active;
  await call("Profiler.setSamplingInterval", { interval: 250 }); // µs
  await call("Profiler.start");
  return {
    async stop(top = 15) {
      const { profile } = await call<{ profile: { nodes: CdpNode[]; samples: number[]; timeDeltas: number[] } }>(
        "Profiler.stop",
      );
      active.close();
      return summarizeProfile(profile, top);
    },
  };
}

interface Session {
  call<T>(method: string, params?: object, timeoutMs?: number): Promise<T>;
  close(): void;
}

/** Opens a DevTools session; each call pokes the relay until its answer comes (or times out). */
async function openSession(wsUrl: string, poke: () => Promise<unknown>): Promise<Session> {
  const ws = new WebSocket(wsUrl);
  ws.binaryType = "arraybuffer";
  let nextId = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.onmessage = (m) => {
    const text = typeof m.data === "string" ? m.data : new TextDecoder().decode(m.data as ArrayBuffer);
    const msg = JSON.parse(text) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  };
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`cannot connect to ${wsUrl}`));
  });
  return {
    async call<T>(method: string, params: object = {}, timeoutMs = 30_000): Promise<T> {
      const id = ++nextId;
      let answered = false;
      const answer = new Promise<T>((resolve) => pending.set(id, (r) => resolve(r as T))).finally(
        () => (answered = true),
      );
      ws.send(JSON.stringify({ id, method, params }));
      for (const deadline = performance.now() + timeoutMs; !answered; ) {
        if (performance.now() > deadline) throw new Error(`no answer to ${method} from workerd's inspector`);
        await Promise.race([answer, new Promise((r) => setTimeout(r, 50))]);
        if (!answered) await poke().catch(() => undefined);
      }
      return answer;
    },
    close: () => ws.close(),
  };
}

/** Coarse areas for the summary: native functions by name, everything with a source file is relay JS. */
function areaOf(name: string, url: string): string {
  if (url) return "relay JS (own code, Hono, zod)";
  if (/^(sign|verify|importKey|digest)$/.test(name)) return "WebCrypto (sign, verify, digest)";
  if (/^(exec|toArray|one|raw|next|transactionSync)$/.test(name)) return "SQLite (exec, rows)";
  if (/^\((program|garbage collector)\)$/.test(name)) return "V8 (GC, program)";
  return "other runtime natives (fetch, RPC, timers, JSON)";
}

function summarizeProfile(
  profile: { nodes: CdpNode[]; samples: number[]; timeDeltas: number[] },
  top: number,
): { sampledMs: number; hot: HotFunction[]; byArea: Record<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const areas = new Map<string, string>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || "(anonymous)"}${url ? ` ${url.split("/").at(-1)}:${lineNumber + 1}` : ""}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
    areas.set(key, areaOf(functionName, url));
  });
  const busy = [...self].filter(([k]) => !k.startsWith("(idle)"));
  const sampledMs = busy.reduce((s, [, ms]) => s + ms, 0);
  const hot = busy
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, ms]) => ({ fn, selfMs: Math.round(ms), share: Math.round((1000 * ms) / sampledMs) / 1000 }));
  const byArea: Record<string, number> = {};
  for (const [key, ms] of busy) byArea[areas.get(key)!] = (byArea[areas.get(key)!] ?? 0) + ms;
  for (const k of Object.keys(byArea)) byArea[k] = Math.round((1000 * byArea[k]!) / sampledMs) / 1000;
  return { sampledMs: Math.round(sampledMs), hot, byArea };
}
