/** Reading a request body as text without ever holding more than the configured limit. */
export type BodyText =
  | { ok: true; text: string; bytes: Uint8Array }
  | { ok: false; problem: "too-large" | "not-utf8" };

/** Reads the body, refusing (without buffering the rest) once it passes `maxBytes`. */
export async function readBodyText(request: Request, maxBytes: number): Promise<BodyText> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) return { ok: false, problem: "too-large" };
  if (!request.body) return { ok: true, text: "", bytes: new Uint8Array() };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return { ok: false, problem: "too-large" };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    // Fatal: invalid UTF-8 is refused rather than silently turned into U+FFFD and sent to users.
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), bytes };
  } catch {
    return { ok: false, problem: "not-utf8" };
  }
}

/** True for `application/json`, with or without parameters such as `charset=UTF-8`. */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const type = header.split(";")[0]?.trim().toLowerCase();
  return type === "application/json" || (type?.startsWith("application/") === true && type.endsWith("+json"));
}

/** Parses `Prefer: wait=N` (RFC 7240 §4.3), in seconds; null when absent or malformed. */
export function preferWaitSeconds(header: string | undefined): number | null {
  if (!header) return null;
  for (const preference of header.split(",")) {
    const match = /^\s*wait\s*=\s*"?(\d{1,6})"?\s*(?:;.*)?$/i.exec(preference);
    if (match) return Number(match[1]);
  }
  return null;
}
