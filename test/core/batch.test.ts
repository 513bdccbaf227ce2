import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { MAX_BATCH_SIZE, notificationInfosText, packBatches, sliceElements, toBatches } from "../../src/core/batch";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("toBatches", () => {
  it("makes no batch from nothing", () => {
    expect(toBatches([])).toEqual([]);
  });

  it("packs up to 100 per batch by default, keeping order and losing nothing", () => {
    for (const n of [1, 99, 100, 101, 250, 1000, 1001]) {
      const batches = toBatches(range(n));
      expect(batches.length).toBe(Math.ceil(n / 100));
      expect(batches.flat()).toEqual(range(n));
      for (const b of batches.slice(0, -1)) expect(b.length).toBe(MAX_BATCH_SIZE);
      expect(batches.at(-1)?.length).toBe(n % 100 === 0 ? 100 : n % 100);
    }
  });

  it("honours a smaller size", () => {
    expect(toBatches(range(7), 3)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(toBatches(range(2), 1)).toEqual([[0], [1]]);
  });

  it("refuses sizes AlipayHK would refuse or that make no sense", () => {
    for (const size of [0, -1, 101, 1.5, Number.NaN]) {
      expect(() => toBatches(range(3), size)).toThrow(RangeError);
    }
  });

  it("does not modify its input", () => {
    const items = range(5);
    toBatches(items, 2);
    expect(items).toEqual(range(5));
  });
});

describe("packBatches", () => {
  const items = Array.from({ length: 101 }, (_, i) => ({
    openId: `open-${i}`,
    templateCode: "T",
    templateValue: `{"n":"${i}","q":"\\"quoted\\" 店"}`,
  }));

  it("gives each batch the exact JSON text of its notificationInfos, members in the documented order", () => {
    const batches = packBatches(items);
    expect(batches.map((b) => b.size)).toEqual([100, 1]);
    expect(batches[1]!.infos).toBe(
      `[{"openId":"open-100","templateCode":"T","templateValue":${JSON.stringify(items[100]!.templateValue)}}]`,
    );
    expect(JSON.parse(batches[0]!.infos)).toEqual(items.slice(0, 100));
  });

  it("drops members that are not part of the API", () => {
    const extra = { ...items[0]!, internalNote: "do not send" };
    expect(notificationInfosText([extra])).not.toContain("internalNote");
  });
});

describe("sliceElements", () => {
  // Strings that look like structure: brackets, braces, commas, quotes and backslashes, and non-BMP text.
  const tricky = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('},{"openId":"x"', "\\", '\\"', '"]', "[{", "😀,}", ""),
    fc.string({ unit: "grapheme", maxLength: 8 }),
  );
  const notification = fc.record({ openId: tricky, templateCode: tricky, templateValue: tricky });

  it("cuts any run of elements out of the wire text, exactly as they were written", () => {
    fc.assert(
      fc.property(fc.array(notification, { minLength: 1, maxLength: 12 }), fc.nat(), fc.nat(), (items, a, b) => {
        const text = notificationInfosText(items);
        const from = a % items.length;
        const count = 1 + (b % (items.length - from));
        expect(JSON.parse(`[${sliceElements(text, from, count)}]`)).toEqual(items.slice(from, from + count));
      }),
    );
  });

  it("refuses a range the text does not hold", () => {
    const text = notificationInfosText([{ openId: "a", templateCode: "T", templateValue: "{}" }]);
    expect(() => sliceElements(text, 1, 1)).toThrow(RangeError);
    expect(() => sliceElements(text, 0, 2)).toThrow(RangeError);
  });
});
