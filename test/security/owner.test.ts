import { describe, expect, it } from "vitest";
import { isJobId, newJobId, ownerOf, WEBHOOK_OWNER } from "../../src/security/owner";

describe("ownerOf", () => {
  const tokenA = "relay-key-AAAAAAAAAAAAAAAA";
  const tokenB = "relay-key-BBBBBBBBBBBBBBBB";

  it("is stable for the same key, and differs per key", () => {
    expect(ownerOf({ kind: "api-key", token: tokenA })).toBe(ownerOf({ kind: "api-key", token: `${tokenA}` }));
    expect(ownerOf({ kind: "api-key", token: tokenA })).not.toBe(ownerOf({ kind: "api-key", token: tokenB }));
  });

  it("the webhook signer is one caller, `caller:webhook`, whatever secret signed (rotation keeps its jobs)", () => {
    expect(ownerOf({ kind: "webhook" })).toBe("caller:webhook");
    expect(ownerOf({ kind: "webhook" })).toBe(WEBHOOK_OWNER);
    // No bearer key can be that caller: a key's owner is always `key:<hex>`.
    expect(ownerOf({ kind: "api-key", token: "caller:webhook" })).toMatch(/^key:/);
  });

  it("a key's owner is prefixed and is a SHA-256 digest, holding neither the key nor its plain hash", async () => {
    const keyOwner = ownerOf({ kind: "api-key", token: tokenA });
    expect(keyOwner).toMatch(/^key:[0-9a-f]{64}$/);
    expect(keyOwner).not.toContain(tokenA);
    const plain = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(tokenA)));
    const plainHex = Array.from(plain, (b) => b.toString(16).padStart(2, "0")).join("");
    expect(keyOwner).not.toContain(plainHex);
    // The domain-separated digest, recomputed independently.
    const domain = new TextEncoder().encode("alipay-notify-relay/owner/api-key\0");
    const input = new Uint8Array([...domain, ...new TextEncoder().encode(tokenA)]);
    const expected = new Uint8Array(await crypto.subtle.digest("SHA-256", input));
    expect(keyOwner).toBe(`key:${Array.from(expected, (b) => b.toString(16).padStart(2, "0")).join("")}`);
  });
});

describe("newJobId", () => {
  it("is job_ plus 22 URL-safe characters (128 bits)", () => {
    for (let i = 0; i < 100; i++) {
      const id = newJobId();
      expect(id).toMatch(/^job_[A-Za-z0-9_-]{22}$/);
      expect(isJobId(id)).toBe(true);
    }
  });

  it("does not repeat", () => {
    const ids = new Set(Array.from({ length: 10_000 }, newJobId));
    expect(ids.size).toBe(10_000);
  });

  it("isJobId refuses other shapes", () => {
    for (const text of [
      "",
      "job_",
      "job_short",
      `JOB_${"a".repeat(22)}`,
      `job_${"a".repeat(21)}=`,
      `job_${"a".repeat(23)}`,
      `job_${"a".repeat(21)}/`,
    ]) {
      expect(isJobId(text), text).toBe(false);
    }
  });
});
