/** Amounts as each provider writes them, formatted with their currency; links checked. */
import { describe, expect, it } from "vitest";
import { formatAmount, isKnownLocale, linkProblem } from "../../src/sources/format";

const hk = { minorUnits: false, locale: "en-HK" };
const cents = { minorUnits: true, locale: "en-HK" };

describe("formatAmount", () => {
  it("Shopify and WooCommerce write major units as text; Stripe minor units as integers", () => {
    expect(formatAmount("198.00", "HKD", hk)).toEqual({ ok: true, value: "HK$198.00" });
    expect(formatAmount("1234567.5", "usd", hk)).toEqual({ ok: true, value: "US$1,234,567.50" });
    expect(formatAmount(19800, "hkd", cents)).toEqual({ ok: true, value: "HK$198.00" });
    expect(formatAmount(5, "hkd", cents)).toEqual({ ok: true, value: "HK$0.05" });
    expect(formatAmount(-250, "HKD", cents)).toEqual({ ok: true, value: "-HK$2.50" });
  });

  it("knows each currency's minor unit: JPY has none, KWD three", () => {
    expect(formatAmount(1500, "jpy", cents)).toEqual({ ok: true, value: "JP¥1,500" });
    expect(formatAmount(12345, "KWD", cents)).toEqual({ ok: true, value: "KWD\u00a012.345" });
  });

  it("keeps every digit of a large amount (decimal text, never a double)", () => {
    expect(formatAmount("90071992547409.93", "HKD", hk)).toEqual({ ok: true, value: "HK$90,071,992,547,409.93" });
    expect(formatAmount(Number.MAX_SAFE_INTEGER + 2, "HKD", cents)).toEqual({
      ok: false,
      problem: "is too large to read exactly",
    });
    expect(formatAmount("9007199254740993", "HKD", cents)).toEqual({ ok: true, value: "HK$90,071,992,547,409.93" });
  });

  it("writes the amount in the locale asked for", () => {
    expect(formatAmount("198", "HKD", { minorUnits: false, locale: "zh-HK" })).toEqual({
      ok: true,
      value: "HK$198.00",
    });
    expect(formatAmount("198", "EUR", { minorUnits: false, locale: "de-DE" })).toEqual({
      ok: true,
      value: "198,00\u00a0€",
    });
  });

  it.each([
    ["abc", "HKD", hk, "is not a decimal amount"],
    ["1e5", "HKD", hk, "is not a decimal amount"],
    [null, "HKD", hk, "is not a decimal amount"],
    ["19.5", "HKD", cents, "is not a whole number of minor units"],
    ["198.00", "HK$", hk, "is not a three-letter currency code"],
    ["198.00", null, hk, "is not a three-letter currency code"],
  ])("%j %j: %s", (amount, currency, options, problem) => {
    expect(formatAmount(amount, currency, options)).toEqual({ ok: false, problem });
  });
});

describe("locales and links", () => {
  it("isKnownLocale accepts real tags only", () => {
    expect(isKnownLocale("en-HK")).toBe(true);
    expect(isKnownLocale("zh-Hant-HK")).toBe(true);
    expect(isKnownLocale("not a locale")).toBe(false);
  });

  it("a link is an absolute http(s) URL without credentials", () => {
    expect(linkProblem("https://tea-house.example.hk/orders/1")).toBeNull();
    expect(linkProblem("http://tea-house.example.hk/")).toBeNull();
    expect(linkProblem("/orders/1")).toBe("is not an absolute http(s) URL");
    expect(linkProblem("javascript:alert(1)")).toBe("is not an absolute http(s) URL");
    expect(linkProblem("https://user:pass@tea-house.example.hk/")).toBe("carries a user name or password");
  });
});
