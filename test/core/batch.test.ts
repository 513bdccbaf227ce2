import { describe, expect, it } from "vitest";
import { MAX_BATCH_SIZE, toBatches } from "../../src/core/batch";

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
