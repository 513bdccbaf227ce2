/**
 * One structured JSON line per event. Callers pass ids, codes and figures only: never key material,
 * API keys, webhook secrets or notification payloads.
 */

/** Where the lines go: the console by default (on Workers, Cloudflare's logs); a host may set another. */
let write: (line: string) => void = (line) => console.log(line);

/** Writes one event as a JSON line, stamped with the time. */
export function logEvent(
  fields: { event: string } & Record<string, string | number | boolean | null | undefined>,
): void {
  write(JSON.stringify({ at: new Date().toISOString(), ...fields }));
}

/**
 * Sends every line to `sink` from now on: a self-hosted process writes them to its stdout in batches
 * (a console call per line costs more than many a request's own work).
 */
export function setLogSink(sink: (line: string) => void): void {
  write = sink;
}
