/**
 * Reads the request body once, never holding more than its limit, and sets `c.var.body`. A body that
 * comes with Standard Webhooks headers is not yet anyone's: it streams through the webhook's MAC, under
 * a lower limit (RELAY_MAX_UNVERIFIED_BODY_BYTES) and a cap on how many are read at once per isolate or
 * process (RELAY_MAX_UNVERIFIED_BODIES), and the MAC is compared before a byte of it is decoded or parsed.
 * hono/body-limit does not fit here: it buffers the body itself, lets a client that disconnects
 * mid-body surface as an unhandled error (a 500), and takes its limit at construction, not from the
 * configuration loaded per isolate.
 */
import { createMiddleware } from "hono/factory";
import { logEvent } from "../../../log";
import type { RelayEnv } from "../../env";
import { problem } from "../../problem";
import { verifyPendingWebhook } from "../auth";

/** Outcome of reading a body within a limit: its exact bytes, or why not. */
export type BodyRead = { ok: true; bytes: Uint8Array } | { ok: false; problem: "too-large" | "incomplete" };

/**
 * Reads `request`'s body, refusing (and cancelling the rest) once it passes `maxBytes`; `onChunk` sees
 * each chunk as it arrives (a webhook MAC). A declared Content-Length above the limit is refused before
 * any byte is read. Never throws.
 */
export async function readLimited(
  request: Request,
  maxBytes: number,
  onChunk?: (chunk: Uint8Array) => void,
): Promise<BodyRead> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await request.body?.cancel().catch(() => undefined);
    return { ok: false, problem: "too-large" };
  }
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
  return { ok: true, bytes };
}

/** The UTF-8 text of `bytes`, or null when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    // Fatal: invalid UTF-8 is refused rather than silently turned into U+FFFD and sent to users.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

/** Webhook-signed bodies being read in this isolate (or process), not yet verified. */
let unverifiedReads = 0;

/**
 * Sets `c.var.body`. 413 `payload-too-large` above the limit; 429 `webhooks-busy` (with `Retry-After`)
 * when too many webhook bodies are being read already; 401 when a webhook's signature does not match the
 * bytes received; 400 `malformed-json` for bad UTF-8 or a cut body.
 */
export const readBody = () =>
  createMiddleware<RelayEnv>(async (c, next) => {
    const { maxBodyBytes, maxUnverifiedBodyBytes, maxUnverifiedBodies } = c.var.runtime.config;
    const pending = c.var.pendingWebhook;
    const limit = pending ? Math.min(maxBodyBytes, maxUnverifiedBodyBytes) : maxBodyBytes;
    if (pending && unverifiedReads >= maxUnverifiedBodies) {
      return problem(
        c,
        "webhooks-busy",
        `${unverifiedReads} webhook bodies are being checked already; retry in 1 s.`,
        {},
        { "Retry-After": "1" },
      );
    }
    if (pending) unverifiedReads += 1;
    let read: BodyRead;
    try {
      read = await readLimited(c.req.raw, limit, pending ? (chunk) => pending.mac.update(chunk) : undefined);
    } finally {
      if (pending) unverifiedReads -= 1;
    }
    if (!read.ok) {
      if (read.problem === "too-large") {
        const whose = pending ? " before its webhook signature is checked" : "";
        return problem(c, "payload-too-large", `The body may be at most ${limit} bytes${whose}.`);
      }
      return problem(c, "malformed-json", "The body ended before it was complete.");
    }
    // The signature is compared over the raw bytes before anything decodes or parses them.
    const refused = verifyPendingWebhook(c);
    if (refused) return refused;
    const text = decodeUtf8(read.bytes);
    if (text === null) return problem(c, "malformed-json", "The body is not valid UTF-8.");
    c.set("body", { bytes: read.bytes, text });
    return next();
  });
