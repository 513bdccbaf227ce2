/**
 * Reading `RELAY_SOURCES`: inline JSON or the name of a JSON file, checked against the declaration's
 * schema with every problem named by where it is (`shopify.events["orders/paid"].openId: …`).
 */
import type * as z from "zod/mini";
import { scanTopLevelMembers } from "../core/json-scan";
import { type Sources, SourcesSchema } from "./declaration";
import { readSourcesFile, SOURCES_FILE } from "./file";

/** The declaration, or every problem found in it. */
export type SourcesParse = { ok: true; value: Sources } | { ok: false; problems: string[] };

/** Most problems listed: a declaration that is wrong everywhere is not read to the end. */
const MAX_PROBLEMS = 50;

/** Parses the value of RELAY_SOURCES (already trimmed): JSON text, or a path to a `.json` file. */
export function parseSourcesSetting(value: string): SourcesParse {
  if (value.startsWith("{")) return parseSourcesJson(value);
  if (!SOURCES_FILE.test(value)) {
    return { ok: false, problems: ["must be a JSON object, or the path of a .json file holding one"] };
  }
  const file = readSourcesFile(value);
  if (!file.ok) return { ok: false, problems: [file.problem] };
  const parsed = parseSourcesJson(file.value);
  return parsed.ok ? parsed : { ok: false, problems: parsed.problems.map((problem) => `${value}: ${problem}`) };
}

/** Parses a declaration's JSON text. */
export function parseSourcesJson(text: string): SourcesParse {
  // The scanner says where the grammar breaks without quoting the text (JSON.parse's messages do).
  const scan = scanTopLevelMembers(text);
  if (!scan.ok) {
    const where = scan.offset === undefined ? "" : ` at ${lineAndColumn(text, scan.offset)}`;
    return { ok: false, problems: [`is not a JSON object: ${scan.detail}${where}`] };
  }
  const seen = new Set<string>();
  const repeated = scan.members.filter((m) => seen.has(m.name) || !seen.add(m.name)).map((m) => m.name);
  if (repeated.length > 0)
    return { ok: false, problems: repeated.map((name) => `${label([name])}: is declared twice`) };
  const parsed = SourcesSchema.safeParse(JSON.parse(text), { reportInput: true });
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = parsed.error.issues.flatMap((issue) => describeIssue(issue, []));
  return { ok: false, problems: problems.slice(0, MAX_PROBLEMS) };
}

type Issue = z.core.$ZodIssue;

/** One issue as `where: what`, its path prefixed by `base`; a union's issue becomes its likeliest branch's issues. */
function describeIssue(issue: Issue, base: PropertyKey[]): string[] {
  const path = [...base, ...issue.path];
  switch (issue.code) {
    case "invalid_union": {
      if ((issue as { input?: unknown }).input === undefined) return [`${label(path)}: is required`];
      const branch = likeliestBranch(issue.errors);
      return branch ? branch.flatMap((inner) => describeIssue(inner, path)) : [`${label(path)}: ${issue.message}`];
    }
    case "invalid_key":
      return issue.issues.map((inner) => `${label(path)}: the name ${inner.message}`);
    case "invalid_element":
      return issue.issues.flatMap((inner) => describeIssue(inner, path));
    default:
      return [`${label(path)}: ${messageOf(issue)}`];
  }
}

/**
 * The branch of a union the author most likely meant: of those whose value had the branch's type at
 * all, the one with the fewest problems; none when no branch stands out (then the union's own message).
 */
function likeliestBranch(branches: Issue[][]): Issue[] | undefined {
  const fitting = branches.filter((issues) => !issues.some((i) => i.path.length === 0 && i.code === "invalid_type"));
  const fewest = Math.min(...fitting.map((issues) => issues.length));
  const best = fitting.filter((issues) => issues.length === fewest);
  return best.length === 1 ? best[0] : undefined;
}

const GENERIC = "Invalid input";

/** A readable message for an issue, in the declaration's words (never echoing a value). */
function messageOf(issue: Issue): string {
  if (issue.message !== GENERIC) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      return "input" in issue && issue.input !== undefined ? `must be ${article(issue.expected)}` : "is required";
    case "unrecognized_keys":
      return `has unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return issue.origin === "string"
        ? Number(issue.minimum) <= 1
          ? "must not be empty"
          : `must be at least ${issue.minimum} characters`
        : issue.origin === "array"
          ? `must list at least ${issue.minimum}`
          : `must be at least ${issue.minimum}`;
    case "too_big":
      return issue.origin === "string"
        ? `must be at most ${issue.maximum} characters`
        : issue.origin === "array"
          ? `must list at most ${issue.maximum}`
          : `must be at most ${issue.maximum}`;
    default:
      return "is not valid";
  }
}

function article(type: string): string {
  const names: Record<string, string> = { int: "an integer", object: "an object", array: "a list", string: "text" };
  return names[type] ?? `a ${type}`;
}

/** `shopify.events["orders/paid"].openId`: names that are identifiers dotted, others quoted, indexes in brackets. */
function label(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(the declaration)";
  return path
    .map((key, i) => {
      if (typeof key === "number") return `[${key}]`;
      const name = String(key);
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) return i === 0 ? name : `.${name}`;
      return i === 0 ? JSON.stringify(name) : `[${JSON.stringify(name)}]`;
    })
    .join("");
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/**
 * The names of the settings RELAY_SOURCES says hold its sources' secrets (inline JSON or a file), for a
 * host that reads settings by name (Deno may read only named variables); empty when it is unset or does
 * not parse (the configuration then reports why).
 */
export function sourceSecretNames(value: string | undefined): string[] {
  if (value === undefined || value.trim() === "") return [];
  const parsed = parseSourcesSetting(value.trim());
  return parsed.ok ? [...new Set(Object.values(parsed.value).flatMap((source) => source.secrets))] : [];
}
