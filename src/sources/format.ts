/**
 * Formatting picked fields for a templateValue: money amounts with their currency, and URLs.
 *
 * Providers write amounts differently: Shopify and WooCommerce as decimal text in the currency's
 * major unit (`"199.00"`), Stripe as an integer of the minor unit (`19900`, cents). Amounts are kept
 * as decimal text throughout (never a binary float) and formatted by `Intl.NumberFormat`, which knows
 * each currency's digits (HKD 2, JPY 0, KWD 3) and symbol.
 */
import type { Parsed } from "./paths";

/** The locale amounts are written in unless a mapping names another: Hong Kong English, `HK$1,234.50`. */
export const DEFAULT_LOCALE = "en-HK";

const DECIMAL = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;
const CURRENCY = /^[A-Za-z]{3}$/;
// Amounts beyond this many digits are not a shop's bill.
const MAX_DIGITS = 18;

const formats = new Map<string, Intl.NumberFormat>();

/** One cached formatter per locale and currency: building one costs far more than using it. */
function formatter(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: "currency", currency });
    formats.set(key, format);
  }
  return format;
}

/** True when `locale` is a language tag `Intl` accepts (checked once, at start). */
export function isKnownLocale(locale: string): boolean {
  try {
    return Intl.NumberFormat.supportedLocalesOf([locale]).length > 0;
  } catch {
    return false; // not a well-formed tag
  }
}

/** An amount as text in its currency: `"199.00"` or `19900` (with `minorUnits`) in HKD → `HK$199.00`. */
export function formatAmount(
  amount: unknown,
  currency: unknown,
  options: { minorUnits: boolean; locale: string },
): Parsed<string> {
  if (typeof currency !== "string" || !CURRENCY.test(currency.trim())) {
    return { ok: false, problem: "is not a three-letter currency code" };
  }
  const code = currency.trim().toUpperCase();
  // JSON.parse has already rounded an integer beyond 2^53: its digits are not the provider's any more.
  if (typeof amount === "number" && Number.isInteger(amount) && !Number.isSafeInteger(amount)) {
    return { ok: false, problem: "is too large to read exactly" };
  }
  const text =
    typeof amount === "number" && Number.isFinite(amount)
      ? numberText(amount)
      : typeof amount === "string"
        ? amount.trim()
        : "";
  const parts = DECIMAL.exec(text);
  if (!parts || parts[2]!.length > MAX_DIGITS) return { ok: false, problem: "is not a decimal amount" };
  let decimal = text;
  if (options.minorUnits) {
    if (parts[3] !== undefined) return { ok: false, problem: "is not a whole number of minor units" };
    decimal = shiftPoint(parts[1]!, parts[2]!, currencyDigits(code));
  }
  // A string keeps every digit: Intl.NumberFormat reads it as an exact decimal, not a double.
  return { ok: true, value: formatter(options.locale, code).format(decimal as Intl.StringNumericLiteral) };
}

/** How many minor-unit digits ISO 4217 gives `currency` (2 for HKD, 0 for JPY). */
function currencyDigits(currency: string): number {
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** `-`, `19900`, 2 → `-199.00`: moves the decimal point left without arithmetic. */
function shiftPoint(sign: string, digits: string, places: number): string {
  if (places === 0) return `${sign}${digits}`;
  const padded = digits.padStart(places + 1, "0");
  return `${sign}${padded.slice(0, -places)}.${padded.slice(-places)}`;
}

/** A number's plain decimal text; exponent notation (1e21, 1e-7) is not an amount. */
function numberText(value: number): string {
  const text = String(value);
  return /e/i.test(text) ? "" : text;
}

/** A URL a user may be sent to: absolute, http or https, no user-info. */
export function linkProblem(text: string): string | null {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) return "is not an absolute http(s) URL";
  if (url.username !== "" || url.password !== "") return "carries a user name or password";
  return null;
}
