/**
 * Cuts the raw text of one top-level member out of a JSON object text.
 *
 * AlipayHK signs the exact bytes of the `request` value as they travel, braces and whitespace included,
 * so the stand-in must verify those bytes and never a re-serialization (JSON.parse + JSON.stringify
 * would hide a relay that signs one text and sends another). This scanner is written separately from
 * the relay's own on purpose: two independent readings of the same bytes must agree.
 */

/** The raw value text of a member, or why it could not be cut. */
export type RawMember = { ok: true; raw: string } | { ok: false; reason: string };

const WS = new Set([" ", "\t", "\n", "\r"]);

/** Returns the exact source text of member `name` of the top-level object in `text`. */
export function cutRawMember(text: string, name: string): RawMember {
  let i = skipWs(text, 0);
  if (text[i] !== "{") return { ok: false, reason: "body is not a JSON object" };
  i = skipWs(text, i + 1);
  let found: string | undefined;
  if (text[i] === "}") return { ok: false, reason: `member "${name}" is missing` };
  for (;;) {
    if (text[i] !== '"') return { ok: false, reason: `expected a member name at offset ${i}` };
    const keyEnd = endOfString(text, i);
    if (keyEnd < 0) return { ok: false, reason: "unterminated string" };
    // Keys may legally contain escapes ("\u0072equest"), so compare the decoded key.
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd);
    if (text[i] !== ":") return { ok: false, reason: `expected ':' at offset ${i}` };
    const start = skipWs(text, i + 1);
    const end = endOfValue(text, start);
    if (end < 0) return { ok: false, reason: `malformed value of member "${key}"` };
    if (key === name) {
      // A duplicated member makes "the signed text" ambiguous; refuse rather than guess.
      if (found !== undefined) return { ok: false, reason: `member "${name}" appears twice` };
      found = text.slice(start, end);
    }
    i = skipWs(text, end);
    if (text[i] === ",") {
      i = skipWs(text, i + 1);
      continue;
    }
    if (text[i] === "}") break;
    return { ok: false, reason: `expected ',' or '}' at offset ${i}` };
  }
  if (skipWs(text, i + 1) !== text.length) return { ok: false, reason: "trailing text after the object" };
  return found === undefined ? { ok: false, reason: `member "${name}" is missing` } : { ok: true, raw: found };
}

function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text[i]!)) i++;
  return i;
}

/** Index just past the closing quote of the string opening at `i`, or -1. */
function endOfString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === "\\") j++;
    else if (c === '"') return j + 1;
  }
  return -1;
}

/** Index just past the value starting at `i` (string, object, array or scalar), or -1. */
function endOfValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return endOfString(text, i);
  if (c === "{" || c === "[") {
    // Depth counting is enough here: strings are skipped whole, so their brackets never count.
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text[j];
      if (d === '"') {
        j = endOfString(text, j) - 1;
        if (j < 0) return -1;
      } else if (d === "{" || d === "[") depth++;
      else if (d === "}" || d === "]") {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < text.length && !WS.has(text[j]!) && text[j] !== "," && text[j] !== "}" && text[j] !== "]") j++;
  return j > i ? j : -1;
}
