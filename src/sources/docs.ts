/**
 * The declaration's reference in docs/sources.md, generated from the schema that parses it (its JSON
 * Schema, as zod derives it): `npm run docs` rewrites it between the markers, a test checks it is current.
 */
import * as z from "zod/mini";
import { SOURCE_NAME, SourcesSchema } from "./declaration";

/** Markers around the generated reference in docs/sources.md. */
export const SOURCES_DOC_MARKERS = {
  start: "<!-- sources-reference:start -->",
  end: "<!-- sources-reference:end -->",
} as const;

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
