/**
 * Reads the request body once, never holding more than RELAY_MAX_BODY_BYTES, and sets `c.var.body`.
 * hono/body-limit does not fit here: it buffers the body itself, lets a client that disconnects
 * mid-body surface as an unhandled error (a 500), and takes its limit at construction, not from the
 * configuration loaded per isolate.
 */
import { createMiddleware } from "hono/factory";
import { logEvent } from "../../../log";
import type { RelayEnv } from "../../env";
import { problem } from "../../problem";

/** Outcome of reading a body within a limit. */
export type BodyRead =
  | { ok: true; bytes: Uint8Array; text: string }
  | { ok: false; problem: "too-large" | "not-utf8" | "incomplete" };

/**
 * Reads `request`'s body, refusing (and cancelling the rest) once it passes `maxBytes`; `onChunk` sees
 * each chunk as it arrives (a webhook MAC). Never throws.
 */
export async function readLimited(
  request: Request,
  maxBytes: number,
  onChunk?: (chunk: Uint8Array) => void,
): Promise<BodyRead> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) return { ok: false, problem: "too-large" };
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel().catch(() => undefined);
          return { ok: false, problem: "too-large" };
        }
        chunks.push(value);
        onChunk?.(value);
      }
    } catch (error) {
      // The client went away (or the stream broke) mid-body: nothing to answer it with but a 400.
      logEvent({ event: "body_incomplete", error: error instanceof Error ? error.message : String(error) });
      return { ok: false, problem: "incomplete" };
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    // Fatal: invalid UTF-8 is refused rather than silently turned into U+FFFD and sent to users.
    return { ok: true, bytes, text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    return { ok: false, problem: "not-utf8" };
  }
}

/** Sets `c.var.body`; 413 `payload-too-large` above the limit, 400 `malformed-json` for bad UTF-8 or a cut body. */
export const readBody = () =>
  createMiddleware<RelayEnv>(async (c, next) => {
    const { maxBodyBytes } = c.var.runtime.config;
    const read = await readLimited(c.req.raw, maxBodyBytes, (chunk) => c.var.pendingWebhook?.mac.update(chunk));
    if (read.ok) {
      c.set("body", { bytes: read.bytes, text: read.text });
      return next();
    }
    if (read.problem === "too-large")
      return problem(c, "payload-too-large", `The body may be at most ${maxBodyBytes} bytes.`);
    const detail =
      read.problem === "not-utf8" ? "The body is not valid UTF-8." : "The body ended before it was complete.";
    return problem(c, "malformed-json", detail);
  });
