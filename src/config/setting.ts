/**
 * The building blocks of a setting's declaration: a zod/mini schema from the trimmed text to the typed
 * value (its messages name what is wrong, never echo a secret), and what the docs and summaries need.
 */
import * as z from "zod/mini";

/** How an operator's summary (admin `/healthz`, `/v1/status`) shows a setting's value. */
export type Shown<T> =
  /** Not at all (key material, or text that could carry a secret). */
  | { kind: "hidden" }
  /** As a value of `schema`, computed by `show` from the parsed value (e.g. the host of a URL, a count of keys). */
  | { kind: "shown"; schema: z.ZodMiniType; show: (value: T) => unknown };

/** One setting: how its text is parsed, its default, whether it is secret, and what it means. */
export interface Setting<T, D extends string | null = string | null, R extends boolean = boolean> {
  /** Parses the trimmed text (the default already applied) into the value. */
  readonly schema: z.ZodMiniType<T, string>;
  /** The value used when the setting is absent, written as in `.dev.vars`; null when there is none. */
  readonly default: D;
  /** True when the relay cannot start without it. */
  readonly required: R;
  /** True when the value must stay out of logs, errors and summaries (`wrangler secret put`). */
  readonly secret: boolean;
  /** The line `.dev.vars.example` shows (a placeholder for secrets). */
  readonly example: string;
  /** One sentence or two for docs/configuration.md and the admin summary's schema. */
  readonly description: string;
  readonly shown: Shown<T>;
}

type Meta<D, R> = { default: D; required: R; secret?: boolean; example?: string; description: string };

function setting<T, const D extends string | null, const R extends boolean>(
  schema: z.ZodMiniType<T, string>,
  meta: Meta<D, R>,
  shown: Shown<T>,
): Setting<T, D, R> {
  const secret = meta.secret ?? false;
  return { schema, secret, example: meta.example ?? meta.default ?? "", shown, ...meta };
}

/** Describes a value without showing it when it might be a secret pasted into the wrong setting. */
export function quote(text: unknown): string {
  const value = String(text);
  return value.length <= 12 ? JSON.stringify(value) : `a ${value.length}-character value`;
}

const INTEGER = /^[-+]?[0-9]+$/;
const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;

/** An integer setting, inclusive bounds; shown in summaries. */
export function integer<const D extends string>(
  min: number,
  max: number,
  meta: Meta<D, false>,
): Setting<number, D, false> {
  const wanted = `must be an integer from ${min} to ${max}`;
  const schema = z.pipe(
    z.string().check(
      z.refine((text) => INTEGER.test(text) && Number(text) >= min && Number(text) <= max, {
        error: (issue) => `${wanted}, got ${quote(issue.input)}`,
      }),
    ),
    z.transform(Number),
  );
  return setting(schema, meta, { kind: "shown", schema: z.number(), show: (value) => value });
}

/** A decimal above `min` (exclusive: a rate of 0 would never send) and at most `max`; shown in summaries. */
export function decimal<const D extends string>(
  min: number,
  max: number,
  meta: Meta<D, false>,
): Setting<number, D, false> {
  const wanted = `must be a number above ${min} and at most ${max}`;
  const schema = z.pipe(
    z.string().check(
      z.refine((text) => DECIMAL.test(text) && Number(text) > min && Number(text) <= max, {
        error: (issue) => `${wanted}, got ${quote(issue.input)}`,
      }),
    ),
    z.transform(Number),
  );
  return setting(schema, meta, { kind: "shown", schema: z.number(), show: (value) => value });
}

/** One of a few words; shown in summaries. */
export function choice<const V extends string, const D extends string>(
  values: readonly [V, ...V[]],
  labels: string,
  meta: Meta<D, false>,
): Setting<V, D, false> {
  const schema = z.enum(values, { error: (issue) => `must be ${labels}, got ${quote(issue.input)}` });
  return setting(schema, meta, { kind: "shown", schema: z.enum(values), show: (value) => value });
}

const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** An identifier AlipayHK assigned (visible ASCII, bounded length); shown in summaries. */
export function identifier<const D extends string | null, const R extends boolean>(
  maxLength: number,
  meta: Meta<D, R>,
): Setting<string, D, R> {
  const schema = z.string().check(
    z.refine((text) => text.length <= maxLength, {
      error: (issue) => `must be at most ${maxLength} characters, got ${String(issue.input).length}`,
      abort: true,
    }),
    z.refine((text) => VISIBLE_ASCII.test(text), { error: "must be visible ASCII characters without spaces" }),
  );
  return setting(schema, meta, { kind: "shown", schema: z.string(), show: (value) => value });
}

/** `true` or `false`; shown in summaries. */
export function flag<const D extends "true" | "false">(meta: Meta<D, false>): Setting<boolean, D, false> {
  const schema = z.pipe(
    z.enum(["true", "false"], { error: (issue) => `must be true or false, got ${quote(issue.input)}` }),
    z.transform((text) => text === "true"),
  );
  return setting(schema, meta, { kind: "shown", schema: z.boolean(), show: (value) => value });
}

/** Text checked only for presence here (keys are imported, and judged, in `runtime.ts`); never shown. */
export function keyText<const R extends boolean>(
  meta: Meta<null, R>,
): Setting<string, null, R> & { shown: { kind: "hidden" } } {
  return { ...setting(z.string(), meta, { kind: "hidden" }), shown: { kind: "hidden" } };
}

/**
 * Any text turned into a value by `parse`, which returns a problem (never the text) when it cannot, or
 * several problems when the text is a document (each is reported on its own).
 */
export function parsed<T, const D extends string | null, const R extends boolean>(
  parse: (text: string) => { ok: true; value: T } | { ok: false; problem: string } | { ok: false; problems: string[] },
  meta: Meta<D, R>,
  shown: Shown<T>,
): Setting<T, D, R> {
  const schema = z.pipe(
    z.string(),
    z.transform((text, ctx) => {
      const result = parse(text);
      if (result.ok) return result.value;
      for (const message of "problems" in result ? result.problems : [result.problem]) {
        ctx.issues.push({ code: "custom", message, input: "" });
      }
      return z.NEVER;
    }),
  ) as unknown as z.ZodMiniType<T, string>;
  return setting(schema, meta, shown);
}
