/**
 * What docs/sources.md shows of the code, generated: the declaration's reference from the schema that
 * parses it (its JSON Schema, as zod derives it), the ignored reasons, and the example file. `npm run docs`
 * rewrites them between their markers; test/node/docs-sources.test.ts checks they are current.
 */
import * as z from "zod/mini";
import { SOURCE_NAME, SourcesSchema } from "./declaration";
import { IGNORED_REASONS } from "./outcomes";

/** The generated sections of docs/sources.md, by the name in their markers (`<!-- sources-<name>:start -->`). */
export function sourcesDocSections(exampleJson: string): Record<string, string> {
  const reasons = Object.entries(IGNORED_REASONS).map(([reason, meaning]) => `| \`${reason}\` | ${cell(meaning)} |`);
  return {
    example: ["```json", exampleJson.trim(), "```"].join("\n"),
    reference: sourcesReference(),
    reasons: ["| `reason` | Meaning |", "| --- | --- |", ...reasons].join("\n"),
  };
}

/** `text` with each section's content between its markers; throws naming a marker that is missing. */
export function withSections(text: string, sections: Record<string, string>): string {
  let out = text;
  for (const [name, content] of Object.entries(sections)) {
    const start = `<!-- sources-${name}:start -->`;
    const end = `<!-- sources-${name}:end -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/sources.md needs ${start} … ${end}`);
    out = `${out.slice(0, from + start.length)}\n${content}\n${out.slice(to)}`;
  }
  return out;
}

interface Node {
  type?: string;
  title?: string;
  enum?: unknown[];
  anyOf?: Node[];
  items?: Node;
  properties?: Record<string, Node>;
  additionalProperties?: Node | false;
  required?: string[];
  description?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
}

/** The Markdown reference of a declaration: a source's fields, an event mapping's, and the kinds of value. */
export function sourcesReference(): string {
  const root = z.toJSONSchema(SourcesSchema, { io: "input" }) as Node;
  const source = root.additionalProperties as Node;
  const mapping = source.properties!.events!.additionalProperties as Node;
  const value = mapping.properties!.templateValue!.additionalProperties as Node;
  return [
    `**A source** — \`RELAY_SOURCES\` is a JSON object of sources by name (\`${SOURCE_NAME.source}\`); each is:`,
    "",
    fieldsTable(source),
    "",
    "**An event mapping** — `events` maps each event type to one of these:",
    "",
    fieldsTable(mapping),
    "",
    "**A value** — each member of `templateValue` (and a `dedupKey`) is one of:",
    "",
    "| Written as | Meaning |",
    "| --- | --- |",
    ...(value.anyOf ?? []).map((variant) => `| ${variantShape(variant)} | ${cell(variantMeaning(variant))} |`),
  ].join("\n");
}

function fieldsTable(node: Node): string {
  const required = new Set(node.required ?? []);
  const rows = Object.entries(node.properties ?? {}).map(
    ([name, field]) =>
      `| \`${name}\` | ${required.has(name) ? "required" : "optional"} | ${typeOf(field)} | ${cell(field.description ?? "")} |`,
  );
  return ["| Field | | Type | Meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

function typeOf(node: Node): string {
  if (node.title) return node.title;
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(", ");
  if (node.anyOf) {
    const kinds = node.anyOf.map(typeOf);
    return kinds.length > 2 && kinds.every((k) => k === kinds[0]) ? kinds[0]! : kinds.join(" or ");
  }
  switch (node.type) {
    case "string":
      return "text";
    case "integer":
      return node.minimum !== undefined && node.maximum !== undefined
        ? `integer ${node.minimum}–${node.maximum}`
        : "integer";
    case "array":
      return `list of ${typeOf(node.items ?? {})}`;
    case "object":
      if (node.additionalProperties && typeof node.additionalProperties === "object") {
        return `object of ${typeOf(node.additionalProperties)}`;
      }
      return "object";
    default:
      return node.type ?? "value";
  }
}

function variantShape(variant: Node): string {
  if (variant.type !== "object") return '`"text"`';
  const required = new Set(variant.required ?? []);
  const members = Object.keys(variant.properties ?? {}).map((name) => (required.has(name) ? name : `${name}?`));
  return `\`{${members.join(", ")}}\``;
}

function variantMeaning(variant: Node): string {
  if (variant.type !== "object") return variant.description ?? "";
  return Object.entries(variant.properties ?? {})
    .map(([name, field]) => `\`${name}\`: ${field.description ?? typeOf(field)}`)
    .join("; ");
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
