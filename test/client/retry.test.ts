/** The client's retry decisions, pure: Retry-After read as the server meant it, backoff bounded by the budget. */
import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY, nextDelay, retryAfterMs } from "../../src/client/retry";

const policy = { attempts: 4, budgetMs: 10_000, baseDelayMs: 500, maxDelayMs: 3_000 };

describe("retryAfterMs", () => {
  it("reads delay-seconds and HTTP-dates (RFC 9110 §10.2.3), nothing else", () => {
    const now = Date.parse("2026-11-26T04:00:00Z");
    expect(retryAfterMs("3", now)).toBe(3_000);
    expect(retryAfterMs(" 0 ", now)).toBe(0);
    expect(retryAfterMs("Thu, 26 Nov 2026 04:00:07 GMT", now)).toBe(7_000);
    expect(retryAfterMs("Thu, 26 Nov 2026 03:59:00 GMT", now)).toBe(0); // already passed
    for (const text of [null, undefined, "", "soon", "-1", "1.5"])
      expect(retryAfterMs(text, now), String(text)).toBeUndefined();
  });
});

describe("nextDelay", () => {
  it("honours Retry-After exactly, never earlier", () => {
    expect(nextDelay(policy, 1, 0, 2_000, 0)).toBe(2_000);
    expect(nextDelay(policy, 1, 0, 2_000, 0.99)).toBe(2_000);
  });

  it("backs off exponentially with jitter between half and all of the step, capped", () => {
    expect(nextDelay(policy, 1, 0, undefined, 0)).toBe(250);
    expect(nextDelay(policy, 1, 0, undefined, 1)).toBe(500);
    expect(nextDelay(policy, 2, 0, undefined, 1)).toBe(1_000);
    expect(nextDelay(policy, 3, 0, undefined, 1)).toBe(2_000);
    expect(nextDelay({ ...policy, attempts: 10 }, 6, 0, undefined, 1)).toBe(3_000);
  });

  it("gives up after the last attempt, and rather than end past the budget", () => {
    expect(nextDelay(policy, 4, 0, undefined, 0)).toBeNull();
    expect(nextDelay(policy, 1, 9_000, 2_000, 0)).toBeNull(); // the server's wait would overrun the budget
    expect(nextDelay(policy, 1, 0, 60_000, 0)).toBeNull();
    expect(nextDelay(policy, 1, 8_000, 2_000, 0)).toBe(2_000); // ends exactly at the budget: still made
    expect(nextDelay({ ...policy, attempts: 1 }, 1, 0, 0, 0)).toBeNull();
  });

  it("defaults: five attempts within 30 s", () => {
    expect(DEFAULT_RETRY).toMatchObject({ attempts: 5, budgetMs: 30_000 });
  });
});
