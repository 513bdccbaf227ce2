/**
 * `templateValue` as it goes to AlipayHK: a JSON *string* holding an object. An object given by the
 * caller is sent as its exact text from the request with only insignificant whitespace removed —
 * never parsed and serialized again, which would drop `__proto__` keys, round 12345678901234567890,
 * turn 1e400 into null and collapse duplicate keys before AlipayHK ever saw them.
 */
import { LONE_SURROGATE } from "./request-errors";

/** The problem text for a templateValue that is not (a string holding) a JSON object. */
export const NOT_A_JSON_OBJECT = "must be a JSON object, or a string holding a JSON object";

/**
 * The span `[start, end)` of `text` without the whitespace between tokens (RFC 8259 §2 whitespace
 * outside strings). The span must already be known to be valid JSON (json-scan checked it).
 */
export function compactJson(text: string, start: number, end: number): string {
  let out = "";
  let run = start;
  let inString = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // the escaped character cannot end the string
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
      out += text.slice(run, i);
      run = i + 1;
    }
  }
  return out + text.slice(run, end);
}

/**
 * What is wrong with a templateValue's JSON text for AlipayHK, or null when it holds an object whose
 * strings and keys are all valid Unicode. `scanned` says the text is an object already checked against
 * the grammar (an object given inline), which saves parsing it when it has no `\u` escape at all.
 * Parses the text otherwise, so callers bound its length first.
 */
export function templateValueProblem(json: string, scanned = false): string | null {
  // Only a \u escape can make a lone surrogate in text that is itself well-formed (callers check that).
  const escapes = json.includes("\\u");
  if (scanned && !escapes) return null;
  let loneSurrogate = false;
  let value: unknown;
  try {
    value = escapes
      ? JSON.parse(json, (key: string, member: unknown) => {
          // JSON.parse turns a lone \uD800 escape into a lone surrogate; AlipayHK's parser would choke on it.
          if (!key.isWellFormed() || (typeof member === "string" && !member.isWellFormed())) loneSurrogate = true;
          return member;
        })
      : JSON.parse(json);
  } catch {
    return NOT_A_JSON_OBJECT;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return NOT_A_JSON_OBJECT;
  return loneSurrogate ? LONE_SURROGATE : null;
}
