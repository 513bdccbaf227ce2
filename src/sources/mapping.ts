/**
 * Applying a source's mapping to a verified event: which mapping, whether the event meets its `when`,
 * the buyer's openId, the templateValue's members and the dedupKey, and the expiry. Pure: `now` is
 * passed in. AlipayHK's own limits on the result are checked where submits are (core/notification.ts).
 */
import { ANY_EVENT, type EventMapping, type SourceDeclaration, type ValueSpec } from "./declaration";
import type { SourceEvent } from "./event";
import { formatAmount, linkProblem } from "./format";
import { firstText, pick, type Template, textOf } from "./paths";
import type { IgnoredReason } from "./outcomes";

/** The notification an event makes, with the delivery policies it goes with. */
export interface MappedEvent {
  openId: string;
  templateCode: string;
  /** The templateValue's members, in declaration order. */
  templateValue: Record<string, string>;
  dedupKey: string | undefined;
  /** ms since the epoch, when the source has `expiresAfter`. */
  expiresAt: number | undefined;
}

/** The mapped event, or why it is ignored (with a detail naming the field at fault, never its value). */
export type MappingResult = { ok: true; mapped: MappedEvent } | { ok: false; reason: IgnoredReason; detail: string };

/** Longest dedupKey the relay accepts, in characters (core/notification.ts). */
const MAX_DEDUP_KEY_CHARS = 128;

/**
 * Maps `event` with `source`'s declaration. `defaultDedupKey` is used when neither the source nor the
 * mapping declares one (the body's digest, for providers whose delivery ids are not signed).
 */
export function mapSourceEvent(
  source: SourceDeclaration,
  event: SourceEvent,
  now: number,
  defaultDedupKey?: string,
): MappingResult {
  const mapping: EventMapping | undefined = Object.hasOwn(source.events, event.type)
    ? source.events[event.type]
    : source.events[ANY_EVENT];
  if (!mapping) {
    const known = Object.keys(source.events).join(", ");
    return ignored("unhandled-event", `this source maps ${known}, not ${JSON.stringify(event.type.slice(0, 128))}`);
  }
  for (const condition of mapping.when ?? []) {
    const text = textOf(pick(event.payload, condition.path));
    if (text === undefined || !condition.values.includes(text)) {
      return ignored(
        "filtered",
        `${condition.path.text} is not ${condition.values.map((v) => JSON.stringify(v)).join(" or ")}`,
      );
    }
  }
  const openId = firstText(event.payload, mapping.openId);
  if (!openId) return ignored("no-open-id", `no text at ${mapping.openId.map((p) => p.text).join(", ")}`);

  const templateValue: Record<string, string> = {};
  for (const [member, spec] of Object.entries(mapping.templateValue)) {
    const value = evaluate(spec, event.payload);
    if (!value.ok) return ignored("missing-field", `templateValue.${member}: ${value.problem}`);
    templateValue[member] = value.text;
  }
  let dedupKey = defaultDedupKey;
  const dedupSpec = mapping.dedupKey ?? source.dedupKey;
  if (dedupSpec) {
    const value = evaluate(dedupSpec, event.payload);
    if (!value.ok) return ignored("missing-field", `dedupKey: ${value.problem}`);
    if (value.text === "" || value.text.length > MAX_DEDUP_KEY_CHARS) {
      return ignored(
        "missing-field",
        `dedupKey: must be 1 to ${MAX_DEDUP_KEY_CHARS} characters, got ${value.text.length}`,
      );
    }
    dedupKey = value.text;
  }
  let expiresAt: number | undefined;
  if (source.expiresAfter !== undefined) {
    expiresAt = event.time + source.expiresAfter;
    if (expiresAt <= now) {
      return ignored(
        "expired",
        `the event is from ${new Date(event.time).toISOString()}; notifications expire after ${source.expiresAfter / 1000} s`,
      );
    }
  }
  return {
    ok: true,
    mapped: { openId: openId.text, templateCode: mapping.templateCode, templateValue, dedupKey, expiresAt },
  };
}

function ignored(reason: IgnoredReason, detail: string): MappingResult {
  return { ok: false, reason, detail };
}

type Evaluated = { ok: true; text: string } | { ok: false; problem: string };

/** One value of the templateValue (or the dedupKey), from the event. */
function evaluate(spec: ValueSpec, payload: unknown): Evaluated {
  switch (spec.kind) {
    case "literal":
      return { ok: true, text: spec.text };
    case "field": {
      const found = firstText(payload, spec.paths);
      if (found) return { ok: true, text: found.text };
      if (spec.fallback !== undefined) return { ok: true, text: spec.fallback };
      return { ok: false, problem: `no text at ${spec.paths.map((p) => p.text).join(", ")}` };
    }
    case "text":
      return fill(spec.template, payload, (text) => text);
    case "url": {
      // A placeholder that starts the template is a URL from the event; the others are parts of one.
      const filled = fill(spec.template, payload, encodeURIComponent);
      if (!filled.ok) return filled;
      const problem = linkProblem(filled.text);
      return problem ? { ok: false, problem: `the link ${problem}` } : filled;
    }
    case "amount": {
      const currency = "code" in spec.currency ? spec.currency.code : pick(payload, spec.currency.path);
      const formatted = formatAmount(pick(payload, spec.amount), currency, spec);
      if (formatted.ok) return { ok: true, text: formatted.value };
      const currencyBad = formatted.problem.includes("currency");
      const at = currencyBad && "path" in spec.currency ? spec.currency.path.text : spec.amount.text;
      return { ok: false, problem: `${at} ${formatted.problem}` };
    }
  }
}

/** A template with its placeholders filled; `encode` is applied to every placeholder but one that starts it. */
function fill(template: Template, payload: unknown, encode: (text: string) => string): Evaluated {
  let text = "";
  for (const [i, part] of template.parts.entries()) {
    if (part.kind === "literal") {
      text += part.text;
      continue;
    }
    const value = textOf(pick(payload, part.path));
    if (value === undefined || value === "") return { ok: false, problem: `no text at ${part.path.text}` };
    text += i === 0 ? value : encode(value);
  }
  return { ok: true, text };
}
