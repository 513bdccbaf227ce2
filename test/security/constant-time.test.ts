import { describe, expect, it } from "vitest";
import { timingSafeEqual } from "../../src/security/constant-time";

describe("timingSafeEqual", () => {
  const bytes = (...values: number[]) => new Uint8Array(values);

  it("is true only for identical bytes", () => {
    expect(timingSafeEqual(bytes(1, 2, 3), bytes(1, 2, 3))).toBe(true);
    expect(timingSafeEqual(bytes(), bytes())).toBe(true);
  });

  it("notices a difference in any position, including the last bit of the last byte", () => {
    const base = crypto.getRandomValues(new Uint8Array(32));
    for (let i = 0; i < base.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const other = base.slice();
        other[i] = other[i]! ^ bit;
        expect(timingSafeEqual(base, other)).toBe(false);
      }
    }
  });

  it("is false for different lengths, even when one is a prefix of the other", () => {
    expect(timingSafeEqual(bytes(1, 2), bytes(1, 2, 3))).toBe(false);
    expect(timingSafeEqual(bytes(1, 2, 3), bytes(1, 2))).toBe(false);
  });
});
