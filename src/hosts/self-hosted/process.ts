/** What both runtime entries do the same way: where static files live, and the SIGTERM sequence. */
import { logEvent } from "../../log";
import type { SelfHostedRelay } from "./relay";

/**
 * Browser files served before the API when this directory exists (relative to the working directory,
 * which `npm run serve:*` sets to the project root), as Workers Static Assets does on Cloudflare.
 */
export const PUBLIC_DIR = "public";

/** The runtime's hooks for shutting down. */
export interface ShutdownHooks {
  onSignal(signal: "SIGTERM" | "SIGINT", listener: () => void): void;
  /** Stops accepting connections; resolves when the listener is closed. */
  closeListener(): Promise<void>;
  exit(code: number): void;
}

/**
 * SIGTERM (or Ctrl-C): stop accepting connections and work, let sends on the wire finish for
 * RELAY_SHUTDOWN_GRACE_MS (any still out stay leased and are resent after a restart), close the
 * outbox, release the data directory, exit 0. A second signal exits at once, also with 0.
 */
export function shutdownOnSignals(relay: SelfHostedRelay, hooks: ShutdownHooks): void {
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return hooks.exit(0);
    stopping = true;
    logEvent({ event: "shutdown", signal });
    // The listener and the pump stop together; requests still being answered meanwhile get their answer.
    const closed = hooks.closeListener();
    const unfinished = await relay.stopSending();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, relay.settings.shutdownGraceMs))]);
    logEvent({ event: "stopped", leasedInFlight: unfinished });
    // Closing also writes out the log lines still gathered.
    relay.close();
    hooks.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) hooks.onSignal(signal, () => void stop(signal));
}
