import { describe, expect, it } from "vitest";
import { matchApiKey } from "../../src/security/api-key";

const KEYS = ["first-key-0123456789", "second-key-0123456789", "third-key-0123456789"];

describe("matchApiKey", () => {
  it("finds the index of the matching key, wherever it is in the list", async () => {
    for (const [index, key] of KEYS.entries()) {
      expect(await matchApiKey(`Bearer ${key}`, KEYS)).toEqual({ ok: true, keyIndex: index });
    }
  });

  it("treats the scheme case-insensitively and tolerates extra spaces around and inside", async () => {
    for (const header of [`bearer ${KEYS[1]}`, `BEARER ${KEYS[1]}`, `  Bearer   ${KEYS[1]}  `]) {
      expect(await matchApiKey(header, KEYS)).toEqual({ ok: true, keyIndex: 1 });
    }
  });

  it("refuses a key that is not configured, or differs by one character, prefix or suffix", async () => {
    const key = KEYS[0]!;
    for (const token of ["nobody-knows-this-key", key.slice(0, -1), `${key}x`, key.toUpperCase(), `x${key}`]) {
      expect(await matchApiKey(`Bearer ${token}`, KEYS)).toEqual({ ok: false, problem: "unknown" });
    }
  });

  it("refuses everything when no keys are configured", async () => {
    expect(await matchApiKey(`Bearer ${KEYS[0]}`, [])).toEqual({ ok: false, problem: "unknown" });
  });

  it("reports a missing header", async () => {
    for (const header of [undefined, null, "", "   "]) {
      expect(await matchApiKey(header, KEYS)).toEqual({ ok: false, problem: "missing" });
    }
  });

  it("reports malformed headers instead of matching them", async () => {
    const key = KEYS[0]!;
    for (const header of [
      key, // no scheme
      `Basic ${key}`,
      `Token ${key}`,
      "Bearer",
      "Bearer ",
      `Bearer ${key} extra`,
      `Bearer ${key},`,
      `Bearer\t${key}`,
      `Bearer "${key}"`,
    ]) {
      expect(await matchApiKey(header, KEYS), header).toEqual({ ok: false, problem: "malformed" });
    }
  });

  it("accepts every b64token character RFC 6750 allows", async () => {
    const key = "AZaz09-._~+/abcdefgh==";
    expect(await matchApiKey(`Bearer ${key}`, [key])).toEqual({ ok: true, keyIndex: 0 });
  });
});
