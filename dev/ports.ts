/** Loopback port helpers for local runs. */
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** True when `port` can be listened on at `host` right now. */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** `preferred` if it is free, otherwise a free port the OS picks (0 or undefined: always the OS's pick). */
export async function pickPort(preferred?: number, host = "127.0.0.1"): Promise<number> {
  if (preferred && (await isPortFree(preferred, host))) return preferred;
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Waits until `port` is free again (a stopped server's socket may linger briefly), up to `timeoutMs`. */
export async function waitForFreePort(port: number, timeoutMs: number, host = "127.0.0.1"): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isPortFree(port, host))) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}
