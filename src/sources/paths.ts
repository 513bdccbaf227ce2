/**
 * Field paths into a provider's event, and text templates that hold them.
 *
 * A path is dot-separated member names, each optionally followed by selectors: `[2]` takes an array's
 * element, `[name=alipayhk_open_id]` the first element whose `name` member is that text — which is
 * how Shopify's `note_attributes` and WooCommerce's `meta_data` lists are read:
 * `note_attributes[name=alipayhk_open_id].value`, `data.object.metadata.alipayhk_open_id`.
 * A template is text with `{{path}}` placeholders: `Order {{name}}`.
 */

/** One step of a path. */
export type PathStep =
  | { kind: "member"; name: string }
  | { kind: "index"; index: number }
  | { kind: "match"; member: string; value: string };

/** A parsed path, with the text it was written as (for messages). */
export interface FieldPath {
  text: string;
  steps: PathStep[];
}

/** A parse result: the value, or what is wrong with the text. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Longest path, in characters, and most steps: events are shallow, a longer path is a mistake. */
export const MAX_PATH_CHARS = 256;
const MAX_STEPS = 32;
const MAX_INDEX = 9999;

// Characters a member name may not hold: they delimit steps and placeholders.
const RESERVED = /[.[\]{}\s]/;

/** Parses `text` as a field path; the problem says where it goes wrong. */
export function parseFieldPath(text: string): Parsed<FieldPath> {
  if (text.length === 0) return { ok: false, problem: "is an empty path" };
  if (text.length > MAX_PATH_CHARS) return { ok: false, problem: `is longer than ${MAX_PATH_CHARS} characters` };
  const steps: PathStep[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    while (i < text.length && text[i] !== "." && text[i] !== "[") i++;
    const name = text.slice(start, i);
    if (name === "") return { ok: false, problem: `has no member name at character ${start + 1}` };
    if (RESERVED.test(name))
      return { ok: false, problem: `member "${name.slice(0, 40)}" holds a space, bracket or brace` };
    steps.push({ kind: "member", name });
    // Selectors: a match value may hold dots and equals signs, never a closing bracket.
    while (text[i] === "[") {
      const close = text.indexOf("]", i);
      if (close < 0) return { ok: false, problem: `has [ without its ] at character ${i + 1}` };
      const selector = parseSelector(text.slice(i + 1, close));
      if (!selector.ok) return { ok: false, problem: selector.problem };
      steps.push(selector.value);
      i = close + 1;
    }
    if (i === text.length) break;
    if (text[i] !== ".") return { ok: false, problem: `expected . or [ at character ${i + 1}` };
    i++;
  }
  if (steps.length > MAX_STEPS) return { ok: false, problem: `has more than ${MAX_STEPS} steps` };
  return { ok: true, value: { text, steps } };
}

function parseSelector(inside: string): Parsed<PathStep> {
  if (/^[0-9]+$/.test(inside)) {
    const index = Number(inside);
    return index <= MAX_INDEX
      ? { ok: true, value: { kind: "index", index } }
      : { ok: false, problem: `index above ${MAX_INDEX}` };
  }
  const equals = inside.indexOf("=");
  const member = inside.slice(0, equals);
  const value = inside.slice(equals + 1);
  if (equals <= 0 || RESERVED.test(member) || value === "" || value.includes("[")) {
    return { ok: false, problem: `[${inside}] is neither an index nor member=value` };
  }
  return { ok: true, value: { kind: "match", member, value } };
}

/** The value at `path` in `root`, or undefined when any step finds nothing. Own members only. */
export function pick(root: unknown, path: FieldPath): unknown {
  let value = root;
  for (const step of path.steps) {
    if (step.kind === "member") {
      value = isRecord(value) && Object.hasOwn(value, step.name) ? value[step.name] : undefined;
    } else if (step.kind === "index") {
      value = Array.isArray(value) ? value[step.index] : undefined;
    } else {
      value = Array.isArray(value)
        ? value.find(
            (item) => isRecord(item) && Object.hasOwn(item, step.member) && textOf(item[step.member]) === step.value,
          )
        : undefined;
    }
    if (value === undefined) return undefined;
  }
  return value;
}

/** A picked value as text: strings as they are, finite numbers and booleans written out; anything else has none. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return String(value);
  return undefined;
}

/** The first path of `paths` that holds non-empty text (trimmed), with that path; undefined when none does. */
export function firstText(root: unknown, paths: readonly FieldPath[]): { text: string; path: FieldPath } | undefined {
  for (const path of paths) {
    const text = textOf(pick(root, path))?.trim();
    if (text) return { text, path };
  }
  return undefined;
}

/** A template: literal text and placeholders, in order. */
export type TemplatePart = { kind: "literal"; text: string } | { kind: "field"; path: FieldPath };

/** A parsed template, with the text it was written as. */
export interface Template {
  text: string;
  parts: TemplatePart[];
}

/** Parses text with `{{path}}` placeholders (spaces inside the braces allowed). */
export function parseTemplate(text: string): Parsed<Template> {
  const parts: TemplatePart[] = [];
  let rest = text;
  while (rest !== "") {
    const open = rest.indexOf("{{");
    if (open < 0) {
      if (rest.includes("}}")) return { ok: false, problem: "has }} without a {{ before it" };
      parts.push({ kind: "literal", text: rest });
      break;
    }
    if (open > 0) {
      if (rest.slice(0, open).includes("}}")) return { ok: false, problem: "has }} without a {{ before it" };
      parts.push({ kind: "literal", text: rest.slice(0, open) });
    }
    const close = rest.indexOf("}}", open + 2);
    if (close < 0) return { ok: false, problem: "has {{ without its }}" };
    const path = parseFieldPath(rest.slice(open + 2, close).trim());
    if (!path.ok) return { ok: false, problem: `placeholder {{${rest.slice(open + 2, close)}}} ${path.problem}` };
    parts.push({ kind: "field", path: path.value });
    rest = rest.slice(close + 2);
  }
  return { ok: true, value: { text, parts } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
