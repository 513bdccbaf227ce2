/**
 * A small JSON scanner that finds where each top-level member's value sits in the received text.
 *
 * AlipayHK signs the exact text of the `response` value (braces included), so that text must be cut
 * out of the body as received — parsing and re-serializing would change whitespace, escapes and key
 * order and the signature would no longer verify. The scanner checks the whole body against the JSON
 * grammar (RFC 8259) so that a malformed answer is reported, never half-read. It is iterative (an
 * explicit stack instead of recursion) so that deeply nested input cannot overflow the call stack.
 *
 * Offsets are in UTF-16 code units of the decoded text. Re-encoding a cut slice as UTF-8 gives back
 * the received bytes whenever the body was valid UTF-8 (if it was not, decoding already replaced bytes
 * with U+FFFD and the signature fails, which is the right outcome).
 */

/** One top-level member: its decoded name and its value's text span `[valueStart, valueEnd)`. */
export interface TopLevelMember {
  name: string;
  valueStart: number;
  valueEnd: number;
}

/** Why the text could not be read as the member asked for; `offset` points at the problem when known. */
export interface ScanError {
  ok: false;
  reason: "malformed" | "missing" | "duplicate" | "not-a-string";
  detail: string;
  offset?: number;
}

/** The top-level members of a JSON object text, in the order received, or why it is not one. */
export type ScanResult = { ok: true; members: TopLevelMember[] } | ScanError;

/** The raw text of one member's value, or why it could not be cut. */
export type RawMemberResult = { ok: true; raw: string } | ScanError;

/** The decoded value of one string member, or why it could not be read. */
export type StringMemberResult = { ok: true; value: string } | ScanError;

/** A signed message cut from its envelope: the raw signed text and the `signature` (null if absent or not a string). */
export type SignedMessageResult = { ok: true; raw: string; signature: string | null } | ScanError;

/** A token or value scanned: where it ends (exclusive), or why it is not valid JSON. */
export type Step = { ok: true; end: number } | ScanError;

/** Where the next token starts: JSON whitespace is exactly these four characters (RFC 8259 §2). */
export function skipWhitespace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

/** A grammar error at `offset`. */
export function malformed(detail: string, offset: number): ScanError {
  return { ok: false, reason: "malformed", detail, offset };
}

const HEX = /^[0-9a-fA-F]{4}$/;
const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** Scans a string token starting at its opening quote; `decode` also builds its value. */
export function scanString(text: string, start: number, decode: boolean): Step & { value?: string } {
  if (text[start] !== '"') return malformed("expected a string", start);
  let value = "";
  let runStart = start + 1;
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      if (decode) value += text.slice(runStart, i);
      return { ok: true, end: i + 1, value };
    }
    if (c < 0x20) return malformed("unescaped control character in string", i);
    if (c !== 0x5c) {
      i++;
      continue;
    }
    if (decode) value += text.slice(runStart, i);
    const escaped = text[i + 1];
    if (escaped === undefined) break;
    if (escaped === "u") {
      const hex = text.slice(i + 2, i + 6);
      if (!HEX.test(hex)) return malformed("bad \\u escape", i);
      // Surrogate pairs arrive as two \u escapes; appending code units one by one rebuilds them.
      if (decode) value += String.fromCharCode(parseInt(hex, 16));
      i += 6;
    } else {
      const decoded = SIMPLE_ESCAPES[escaped];
      if (decoded === undefined) return malformed(`bad escape \\${escaped}`, i);
      if (decode) value += decoded;
      i += 2;
    }
    runStart = i;
  }
  return malformed("unterminated string", start);
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Scans a number, `true`, `false` or `null` starting at `start`. */
function scanScalar(text: string, start: number): Step {
  for (const literal of ["true", "false", "null"]) {
    if (text.startsWith(literal, start)) return { ok: true, end: start + literal.length };
  }
  NUMBER.lastIndex = start;
  if (NUMBER.test(text)) return { ok: true, end: NUMBER.lastIndex };
  return malformed("expected a JSON value", start);
}

/** Scans a member name, a colon and whitespace; `end` is where the value starts, `value` the decoded name. */
export function scanKeyAndColon(text: string, i: number, decode = true): Step & { value?: string } {
  const key = scanString(text, i, decode);
  if (!key.ok) return key;
  const colon = skipWhitespace(text, key.end);
  if (text[colon] !== ":") return malformed("expected ':' after member name", colon);
  return { ok: true, end: skipWhitespace(text, colon + 1), value: key.value };
}

/** Where a paused value scan resumes: a value is expected at `i`, inside the containers `open`. */
export interface ScanState {
  i: number;
  open: ("{" | "[")[];
}

/** A value scanned to its end, or not valid JSON, or paused (not yet ended) so that other work can run. */
export type ValueScan = Step | { ok: "paused"; state: ScanState };

/** Scans one complete JSON value (of any nesting depth) starting at `start`; returns where it ends. */
export function scanValue(text: string, start: number): Step {
  // Without a stopping point the scan never pauses.
  return scanValueFrom(text, { i: start, open: [] }, Number.POSITIVE_INFINITY) as Step;
}

/**
 * Scans a value from `state`, pausing at the first value that starts at or after `stopAt`, so that a
 * caller can scan a huge value in slices and let the event loop run between them (a single string
 * token is never split: it is scanned whole).
 */
export function scanValueFrom(text: string, state: ScanState, stopAt: number): ValueScan {
  const open = state.open;
  let i = state.i;
  for (;;) {
    // Here a value is expected at i.
    if (i >= stopAt) return { ok: "paused", state: { i, open } };
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      const inner = skipWhitespace(text, i + 1);
      if (text[inner] === close) {
        i = inner + 1;
      } else {
        open.push(c);
        if (c === "[") {
          i = inner;
          continue;
        }
        const key = scanKeyAndColon(text, inner, false);
        if (!key.ok) return key;
        i = key.end;
        continue;
      }
    } else if (c === '"') {
      const s = scanString(text, i, false);
      if (!s.ok) return s;
      i = s.end;
    } else {
      const s = scanScalar(text, i);
      if (!s.ok) return s;
      i = s.end;
    }
    // A value just ended at i: close containers until one continues with a comma.
    for (;;) {
      const container = open[open.length - 1];
      if (container === undefined) return { ok: true, end: i };
      i = skipWhitespace(text, i);
      if (text[i] === ",") {
        i = skipWhitespace(text, i + 1);
        if (container === "{") {
          const key = scanKeyAndColon(text, i, false);
          if (!key.ok) return key;
          i = key.end;
        }
        break;
      }
      if (text[i] === (container === "{" ? "}" : "]")) {
        open.pop();
        i++;
        continue;
      }
      if (i >= text.length) return malformed("unexpected end of input", i);
      return malformed(`expected ',' or '${container === "{" ? "}" : "]"}'`, i);
    }
  }
}

/** Where a container's members or elements continue: `next` is where the following one starts, or just past the container when `closed`. */
export type Continuation = { ok: true; next: number; closed: boolean } | ScanError;

/** Just after the opening bracket at `i`: where the first member or element starts, or `closed` if the container is empty. */
export function scanOpening(text: string, i: number, close: "}" | "]"): Continuation {
  const at = skipWhitespace(text, i + 1);
  return text[at] === close ? { ok: true, next: at + 1, closed: true } : { ok: true, next: at, closed: false };
}

/** After a member or element that ended at `i`: a comma and the next one's start, or the closing bracket. */
export function scanSeparator(text: string, i: number, close: "}" | "]"): Continuation {
  const at = skipWhitespace(text, i);
  if (text[at] === ",") return { ok: true, next: skipWhitespace(text, at + 1), closed: false };
  if (text[at] === close) return { ok: true, next: at + 1, closed: true };
  return malformed(at >= text.length ? "unexpected end of input" : `expected ',' or '${close}'`, at);
}

/** Lists the top-level members of a JSON object text, validating the whole text. Never throws. */
export function scanTopLevelMembers(text: string): ScanResult {
  let i = skipWhitespace(text, 0);
  if (text[i] !== "{") return malformed("expected a JSON object", i);
  const members: TopLevelMember[] = [];
  i = skipWhitespace(text, i + 1);
  if (text[i] === "}") {
    i++;
  } else {
    for (;;) {
      const key = scanKeyAndColon(text, i);
      if (!key.ok) return key;
      const value = scanValue(text, key.end);
      if (!value.ok) return value;
      members.push({ name: key.value ?? "", valueStart: key.end, valueEnd: value.end });
      i = skipWhitespace(text, value.end);
      if (text[i] === ",") {
        i = skipWhitespace(text, i + 1);
        continue;
      }
      if (text[i] === "}") {
        i++;
        break;
      }
      return malformed(i >= text.length ? "unexpected end of input" : "expected ',' or '}'", i);
    }
  }
  i = skipWhitespace(text, i);
  if (i !== text.length) return malformed("trailing characters after the JSON object", i);
  return { ok: true, members };
}

// A repeated name is refused: JSON parsers disagree on which copy wins, and a signature check must not
// be fooled into verifying one copy while the other is read.
function findOne(members: TopLevelMember[], name: string): { ok: true; member: TopLevelMember } | ScanError {
  const found = members.filter((m) => m.name === name);
  const first = found[0];
  if (first === undefined) return { ok: false, reason: "missing", detail: `no top-level "${name}" member` };
  if (found.length > 1) {
    const detail = `top-level "${name}" appears more than once`;
    return { ok: false, reason: "duplicate", detail, offset: found[1]?.valueStart };
  }
  return { ok: true, member: first };
}

function decodeMember(text: string, member: TopLevelMember): StringMemberResult {
  if (text[member.valueStart] !== '"') {
    return { ok: false, reason: "not-a-string", detail: `"${member.name}" is not a string`, offset: member.valueStart };
  }
  const s = scanString(text, member.valueStart, true);
  return s.ok ? { ok: true, value: s.value ?? "" } : s;
}

/** The exact received text of the top-level member `name`'s value (braces and inner whitespace kept). */
export function rawMemberText(text: string, name: string): RawMemberResult {
  const scan = scanTopLevelMembers(text);
  if (!scan.ok) return scan;
  const one = findOne(scan.members, name);
  if (!one.ok) return one;
  return { ok: true, raw: text.slice(one.member.valueStart, one.member.valueEnd) };
}

/** The decoded value of the top-level string member `name` (escapes such as `\u002B` resolved). */
export function stringMemberValue(text: string, name: string): StringMemberResult {
  const scan = scanTopLevelMembers(text);
  if (!scan.ok) return scan;
  const one = findOne(scan.members, name);
  return one.ok ? decodeMember(text, one.member) : one;
}

/**
 * Cuts `{"<signedName>": <value>, "signature": "..."}` in one pass: the raw text of the signed value
 * and the decoded signature, or null when the signature is absent or not a string.
 */
export function cutSignedMessage(text: string, signedName: string): SignedMessageResult {
  const scan = scanTopLevelMembers(text);
  if (!scan.ok) return scan;
  const signed = findOne(scan.members, signedName);
  if (!signed.ok) return signed;
  const raw = text.slice(signed.member.valueStart, signed.member.valueEnd);
  const sig = findOne(scan.members, "signature");
  if (!sig.ok) return sig.reason === "duplicate" ? sig : { ok: true, raw, signature: null };
  const decoded = decodeMember(text, sig.member);
  return { ok: true, raw, signature: decoded.ok ? decoded.value : null };
}
