/**
 * The declaration of storefront sources (`RELAY_SOURCES`), as one zod schema: its output type is what
 * the relay runs on (paths and templates already parsed), its parse names every problem, and the
 * reference in docs/sources.md is generated from its descriptions (`npm run docs`).
 */
import * as z from "zod/mini";
import { MerchantIdSchema } from "../core/notification";
import { DEFAULT_LOCALE, isKnownLocale } from "./format";
import { type FieldPath, MAX_PATH_CHARS, type Parsed, parseFieldPath, parseTemplate, type Template } from "./paths";

/** The providers a source can be: each has its own signature scheme (src/security/sources/). */
export const PROVIDERS = ["shopify", "stripe", "woocommerce", "standard"] as const;
/** A source's provider. */
export type Provider = (typeof PROVIDERS)[number];

/** Source names: they are part of the route and of the caller name `source-<name>` (at most 32 characters). */
export const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,24}$/;
/** A setting name, as a secret is named (never given) in the declaration. */
const SETTING_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
/** The event-type key that maps every event type the source lists no mapping for. */
export const ANY_EVENT = "*";

/** Default largest body a source accepts, in bytes: a large Shopify order is a few hundred KB. */
export const DEFAULT_SOURCE_MAX_BODY_BYTES = 1024 * 1024;
const MAX_SOURCE_BODY_BYTES = 32 * 1024 * 1024;
const MAX_EXPIRES_AFTER_MS = 30 * 24 * 3600 * 1000;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const described = <T extends z.ZodMiniType>(schema: T, description: string): T =>
  schema.check(z.describe(description)) as T;

/** Turns text into a value with `parse`, or reports its problem as the issue; `title` names its kind in the docs. */
function parsedText<T>(parse: (text: string) => Parsed<T>, title: string, description: string) {
  return z.pipe(
    z.string().check(z.meta({ title, description })),
    z.transform((text: string, ctx) => {
      const result = parse(text);
      if (result.ok) return result.value;
      ctx.issues.push({ code: "custom", message: result.problem, input: text });
      return z.NEVER;
    }),
  );
}

const PathSchema = parsedText(
  parseFieldPath,
  "path",
  "A field of the event: member names joined by dots; `[0]` takes an array element, `[name=alipayhk_open_id]` " +
    "the element whose `name` is that text (`note_attributes[name=alipayhk_open_id].value`).",
);

const PathsSchema = z.pipe(
  z
    .union([PathSchema, z.array(PathSchema).check(z.minLength(1), z.maxLength(8))], {
      error: "must be a path, or a list of paths tried in order",
    })
    .check(z.meta({ title: "path, or list of paths" })),
  z.transform((paths: FieldPath | FieldPath[]) => (Array.isArray(paths) ? paths : [paths])),
);

const TemplateSchema = (description: string) => parsedText(parseTemplate, "template", description);

const CurrencyCode = z
  .string()
  .check(z.regex(/^[A-Z]{3}$/, { error: "must be a three-letter ISO 4217 code such as HKD" }));

/** How one member of a templateValue (or a dedupKey) is built from the event. */
export type ValueSpec =
  | { kind: "literal"; text: string }
  | { kind: "field"; paths: FieldPath[]; fallback?: string }
  | { kind: "text"; template: Template }
  | { kind: "url"; template: Template }
  | {
      kind: "amount";
      amount: FieldPath;
      currency: { path: FieldPath } | { code: string };
      minorUnits: boolean;
      locale: string;
    };

const ValueSchema = z
  .union(
    [
      z.pipe(
        described(z.string().check(z.maxLength(300)), "Literal text, used as it is."),
        z.transform((text: string): ValueSpec => ({ kind: "literal", text })),
      ),
      z.pipe(
        z.strictObject({
          field: described(PathsSchema, "The field whose text is used; of several, the first that holds text."),
          default: z.optional(described(z.string(), "Used when no path holds text; without it, the event is ignored.")),
        }),
        z.transform(
          (v): ValueSpec => ({
            kind: "field",
            paths: v.field,
            ...(v.default !== undefined ? { fallback: v.default } : {}),
          }),
        ),
      ),
      z.pipe(
        z.strictObject({
          text: TemplateSchema(
            "Text with `{{path}}` placeholders, each replaced by that field's text: `Order {{name}}`.",
          ),
        }),
        z.transform((v): ValueSpec => ({ kind: "text", template: v.text })),
      ),
      z.pipe(
        z.strictObject({
          url: TemplateSchema(
            "A link: a template whose placeholders are percent-encoded, except one that starts it (a URL taken from " +
              "the event, `{{order_status_url}}`); the result must be an absolute http(s) URL.",
          ),
        }),
        z.transform((v): ValueSpec => ({ kind: "url", template: v.url })),
      ),
      z.pipe(
        z
          .strictObject({
            amount: described(PathSchema, "The amount's field (`total_price`, Stripe's `data.object.amount_total`)."),
            currency: z.optional(described(PathSchema, "The currency code's field (`currency`).")),
            currencyCode: z.optional(described(CurrencyCode, "A fixed currency, when the event carries none.")),
            minorUnits: z.optional(
              described(
                z.boolean(),
                "True when the amount is an integer of the currency's minor unit (Stripe's cents).",
              ),
            ),
            locale: z.optional(
              described(
                z
                  .string()
                  .check(z.refine(isKnownLocale, { error: "is not a locale this runtime knows (e.g. en-HK, zh-HK)" })),
                `How the amount is written (default ${DEFAULT_LOCALE}: HK$1,234.50).`,
              ),
            ),
          })
          .check(
            z.refine((v) => (v.currency === undefined) !== (v.currencyCode === undefined), {
              error: "needs exactly one of currency (a path) and currencyCode (a fixed code)",
            }),
          ),
        z.transform(
          (v): ValueSpec => ({
            kind: "amount",
            amount: v.amount,
            currency: v.currency !== undefined ? { path: v.currency } : { code: v.currencyCode! },
            minorUnits: v.minorUnits ?? false,
            locale: v.locale ?? DEFAULT_LOCALE,
          }),
        ),
      ),
    ],
    { error: "must be text, or an object with one of field, text, url or amount" },
  )
  .check(
    z.meta({
      title: "value",
      description:
        "Literal text; `{field}`: a field's text; `{text}`: a template; `{url}`: a link; `{amount, currency | " +
        "currencyCode, minorUnits?, locale?}`: a money amount formatted with its currency.",
    }),
  );

const WhenSchema = z.pipe(
  z
    .record(
      z.string().check(z.maxLength(MAX_PATH_CHARS)),
      z.union([z.string(), z.array(z.string()).check(z.minLength(1))], { error: "must be text or a list of texts" }),
    )
    .check(z.meta({ title: "path → text, or list of texts" })),
  z.transform((when, ctx) => {
    const conditions: { path: FieldPath; values: string[] }[] = [];
    for (const [text, values] of Object.entries(when)) {
      const path = parseFieldPath(text);
      if (!path.ok) ctx.issues.push({ code: "custom", message: `path ${path.problem}`, input: text, path: [text] });
      else conditions.push({ path: path.value, values: typeof values === "string" ? [values] : values });
    }
    return conditions;
  }),
);

const MappingSchema = z
  .strictObject({
    when: z.optional(
      described(
        WhenSchema,
        "Conditions: path → the text (or one of the texts) its field must hold; an event that fails one is ignored " +
          "(`filtered`). E.g. Stripe's `data.object.payment_status`: `paid`.",
      ),
    ),
    openId: described(PathsSchema, "Where the buyer's Alipay openId is: a path, or paths tried in order."),
    templateCode: described(
      z.string().check(z.minLength(1), z.maxLength(128)),
      "The AlipayHK template, e.g. ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL.",
    ),
    templateValue: described(
      z
        .record(z.string().check(z.minLength(1), z.maxLength(64)), ValueSchema)
        .check(z.refine((value) => Object.keys(value).length > 0, { error: "must have at least one member" })),
      "The template's variables, each built from a value (see below); the notification's compact JSON must stay " +
        "within AlipayHK's 300 characters, or the event is ignored (`invalid-notification`).",
    ),
    dedupKey: z.optional(described(ValueSchema, "Overrides the source's `dedupKey` for this event type.")),
  })
  .check(z.meta({ title: "event mapping", description: "How one event type becomes one notification." }));

/** One event type's mapping, as the relay runs it. */
export type EventMapping = z.output<typeof MappingSchema>;

const DurationSchema = parsedText(
  (text) => {
    const match = /^([1-9][0-9]{0,6})([smhd])$/.exec(text);
    const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : 0;
    if (!match) return { ok: false, problem: "must be a number and a unit: 90s, 30m, 24h or 7d" };
    return ms <= MAX_EXPIRES_AFTER_MS ? { ok: true, value: ms } : { ok: false, problem: "must be at most 30d" };
  },
  "duration",
  "How long after the event's time its notification may still be sent (`30m`, `24h`, `7d`); later it ends " +
    "`expired`, and an event that arrives after it is ignored (`expired`). Event time: Stripe's `created`, " +
    "Shopify's X-Shopify-Triggered-At, Standard Webhooks' `timestamp`, else its arrival.",
);

const SourceSchema = z
  .strictObject({
    provider: described(
      z.enum(PROVIDERS),
      "Whose signatures the source verifies: `shopify`, `stripe`, `woocommerce` or `standard` (Standard Webhooks).",
    ),
    secrets: described(
      z
        .array(
          z
            .string()
            .check(
              z.regex(SETTING_NAME, { error: "must name a setting (A-Z, 0-9, _), never hold the secret itself" }),
              z.meta({ title: "setting name" }),
            ),
        )
        .check(z.minLength(1), z.maxLength(4)),
      "Names of the settings (secrets) that hold the signing secret, e.g. `SHOPIFY_WEBHOOK_SECRET`; list two while " +
        "rotating: a signature made with either verifies.",
    ),
    events: described(
      z
        .record(z.string().check(z.minLength(1), z.maxLength(128)), MappingSchema)
        .check(z.refine((events) => Object.keys(events).length > 0, { error: "must map at least one event type" })),
      `Event type (Shopify topic, Stripe event type, WooCommerce topic, Standard Webhooks \`type\`) → mapping; ` +
        `\`${ANY_EVENT}\` maps every type not listed. Other types are answered 200 and ignored (\`unhandled-event\`).`,
    ),
    merchantId: z.optional(
      described(MerchantIdSchema, "The AlipayHK merchant the notifications are sent for (default ALIPAY_MERCHANT_ID)."),
    ),
    dedupKey: z.optional(
      described(
        ValueSchema,
        'A key per event (e.g. `{"text": "order-{{id}}-paid"}`): an event whose key the source had queued within ' +
          "RELAY_DEDUP_HOURS is not sent again (`deduplicated`). Default for Shopify and WooCommerce, whose delivery " +
          "ids are not signed: the body's digest.",
      ),
    ),
    expiresAfter: z.optional(DurationSchema),
    onUnknown: z.optional(
      described(
        z.enum(["retry", "fail"]),
        "As the submit field: `retry` (default, at-least-once) or `fail` (at-most-once).",
      ),
    ),
    callbackUrl: z.optional(
      z.string().check(
        z.maxLength(2048),
        z.meta({
          title: "URL",
          description: "Where each job's final document is POSTed, signed (needs RELAY_CALLBACK_SECRET).",
        }),
      ),
    ),
    maxBodyBytes: z.optional(
      described(
        z.int().check(z.gte(1024), z.lte(MAX_SOURCE_BODY_BYTES)),
        `Largest body accepted, in bytes (default ${DEFAULT_SOURCE_MAX_BODY_BYTES}); checked before the signature, 413 above.`,
      ),
    ),
  })
  .check(z.describe("One storefront source: `POST /v1/sources/{name}`."));

/** One source's declaration, as the relay runs it. */
export type SourceDeclaration = z.output<typeof SourceSchema>;

/** The whole declaration: source name → source. */
export const SourcesSchema = z
  .record(
    z
      .string()
      .check(z.regex(SOURCE_NAME, { error: "must be 1 to 25 of a-z, 0-9, _ and -, starting with a letter or digit" })),
    SourceSchema,
  )
  .check(z.describe("Storefront sources by name; each is served at `POST /v1/sources/{name}`."));

/** Every source, by name. */
export type Sources = z.output<typeof SourcesSchema>;
