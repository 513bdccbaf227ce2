import { describe, expect, it } from "vitest";
import { isJobId, newJobId, ownerOf } from "../../src/security/owner";

describe("ownerOf", () => {
  const tokenA = "relay-key-AAAAAAAAAAAAAAAA";
  const tokenB = "relay-key-BBBBBBBBBBBBBBBB";
  const secret = new TextEncoder().encode("webhook-secret-bytes-0123456789");

  it("is stable for the same credential", () => {
    expect(ownerOf({ kind: "api-key", token: tokenA })).toBe(ownerOf({ kind: "api-key", token: tokenA }));
    expect(ownerOf({ kind: "webhook", secret })).toBe(ownerOf({ kind: "webhook", secret: secret.slice() }));
  });

  it("differs per key and per kind, even when the bytes are the same", () => {
    const ids = new Set([
      ownerOf({ kind: "api-key", token: tokenA }),
      ownerOf({ kind: "api-key", token: tokenB }),
      ownerOf({ kind: "webhook", secret }),
      ownerOf({ kind: "webhook", secret: new TextEncoder().encode(tokenA) }),
    ]);
    expect(ids.size).toBe(4);
  });

  it("is prefixed by kind and is a SHA-256 digest, holding neither the secret nor its plain hash", async () => {
    const keyOwner = ownerOf({ kind: "api-key", token: tokenA });
    const hookOwner = ownerOf({ kind: "webhook", secret });
    expect(keyOwner).toMatch(/^key:[0-9a-f]{64}$/);
    expect(hookOwner).toMatch(/^webhook:[0-9a-f]{64}$/);
    expect(keyOwner).not.toContain(tokenA);
    expect(hookOwner).not.toContain(new TextDecoder().decode(secret));
    const plain = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(tokenA)));
    const plainHex = Array.from(plain, (b) => b.toString(16).padStart(2, "0")).join("");
    expect(keyOwner).not.toContain(plainHex);
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
