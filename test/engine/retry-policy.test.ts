import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_TRAFFIC_REQUEUES,
  type RetrySettings,
  backoffCeilingMs,
  decideAfterMissedSlot,
  decideAfterNotSent,
  decideAfterAttempt,
  decideAfterTraffic,
  decideNext,
} from "../../src/engine/decide/retry-policy";

const settings: RetrySettings = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000 };

describe("decideAfterAttempt", () => {
  it("ends a success as succeeded and a final refusal as failed, whatever the budget", () => {
    expect(decideAfterAttempt("success", 1, settings, 0.5)).toEqual({ action: "done", status: "succeeded" });
    expect(decideAfterAttempt("final", 1, settings, 0.5)).toEqual({ action: "done", status: "failed" });
    expect(decideAfterAttempt("success", 99, settings, 0.5)).toEqual({ action: "done", status: "succeeded" });
  });

  it("requeues a traffic refusal at the front, at once, without spending the budget, even when it is spent", () => {
    const expected = { action: "retry", delayMs: 0, spendsAttempt: false, front: true };
    expect(decideAfterAttempt("traffic", 1, settings, 0.9)).toEqual(expected);
    expect(decideAfterAttempt("traffic", settings.maxAttempts, settings, 0.9)).toEqual(expected);
  });

  it("retries an unknown outcome in front of its job once the backoff has passed, spending the budget, while attempts remain", () => {
    for (let spent = 1; spent < settings.maxAttempts; spent++) {
      const d = decideAfterAttempt("unknown", spent, settings, 0.5);
      expect(d).toMatchObject({ action: "retry", spendsAttempt: true, front: true });
    }
  });

  it("fails an unknown outcome once maxAttempts are spent", () => {
    expect(decideAfterAttempt("unknown", 5, settings, 0.5)).toEqual({ action: "done", status: "failed" });
    expect(decideAfterAttempt("unknown", 6, settings, 0.5)).toEqual({ action: "done", status: "failed" });
    expect(decideAfterAttempt("unknown", 1, { ...settings, maxAttempts: 1 }, 0.5)).toEqual({
      action: "done",
      status: "failed",
    });
  });

  it("doubles the backoff per attempt up to the cap (equal jitter: between half and all of it)", () => {
    const wide = { maxAttempts: 100, baseDelayMs: 1000, maxDelayMs: 30_000 };
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffCeilingMs(n, wide));
    expect(ceilings).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    for (const [spent, ceiling] of [
      [1, 1000],
      [3, 4000],
      [6, 30_000],
      [99, 30_000],
    ] as const) {
      const low = decideAfterAttempt("unknown", spent, wide, 0);
      const high = decideAfterAttempt("unknown", spent, wide, 0.999_999);
      expect(low).toMatchObject({ delayMs: ceiling / 2 });
      expect(high).toMatchObject({ delayMs: ceiling });
    }
  });

  it("keeps every jittered delay within [ceiling / 2, ceiling] and actually spreads them", () => {
    const delays = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const d = decideAfterAttempt("unknown", 2, settings, i / 1000);
      if (d.action !== "retry") throw new Error("expected a retry");
      expect(d.delayMs).toBeGreaterThanOrEqual(1000);
      expect(d.delayMs).toBeLessThanOrEqual(2000);
      delays.add(d.delayMs);
    }
    expect(delays.size).toBeGreaterThan(900);
  });

  it("treats a random outside [0, 1) as its nearest bound", () => {
    expect(decideAfterAttempt("unknown", 1, settings, -3)).toMatchObject({ delayMs: 500 });
    expect(decideAfterAttempt("unknown", 1, settings, 7)).toMatchObject({ delayMs: 1000 });
  });

  it("gives finite delays for absurd attempt counts and a zero base", () => {
    const d = decideAfterAttempt("unknown", 5000, { maxAttempts: 10_000, baseDelayMs: 0, maxDelayMs: 1000 }, 0.5);
    expect(d).toMatchObject({ action: "retry", delayMs: 0 });
    expect(backoffCeilingMs(10_000, settings)).toBe(30_000);
  });
});

describe("decideAfterTraffic", () => {
  it("requeues at the front below the cap and fails the batch at it", () => {
    expect(decideAfterTraffic(0)).toEqual({ action: "retry", delayMs: 0, spendsAttempt: false, front: true });
    expect(decideAfterTraffic(DEFAULT_MAX_TRAFFIC_REQUEUES - 1)).toMatchObject({ action: "retry" });
    expect(decideAfterTraffic(DEFAULT_MAX_TRAFFIC_REQUEUES)).toEqual({ action: "done", status: "failed" });
    expect(decideAfterTraffic(3, 3)).toEqual({ action: "done", status: "failed" });
  });
});

describe("decideAfterNotSent", () => {
  const settings = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 8000 };
  it("retries without spending budget, however many tries, with capped equal-jitter backoff", () => {
    for (const tries of [1, 3, 50]) {
      const low = decideAfterNotSent(tries, settings, 0);
      const high = decideAfterNotSent(tries, settings, 0.999);
      expect(low).toMatchObject({ action: "retry", spendsAttempt: false, front: false });
      const ceiling = Math.min(8000, 1000 * 2 ** (tries - 1));
      expect(low.action === "retry" && low.delayMs).toBe(ceiling / 2);
      expect(high.action === "retry" && high.delayMs).toBeLessThanOrEqual(ceiling);
      expect(high.action === "retry" && high.delayMs).toBeGreaterThan(ceiling / 2);
    }
  });
});

describe("decideAfterMissedSlot", () => {
  it("goes back to the front at once and spends nothing", () => {
    expect(decideAfterMissedSlot()).toEqual({ action: "retry", delayMs: 0, spendsAttempt: false, front: true });
  });
});

describe("decideNext: one decision for every kind of ending", () => {
  const retry = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };
  const base = { attempts: 3, budgetSpent: 1, trafficRequeues: 0 };
  it("routes by how the attempt ended", () => {
    expect(decideNext({ ...base, kind: "missed-slot", resultClass: "unknown" }, retry, 0)).toEqual(
      decideAfterMissedSlot(),
    );
    expect(decideNext({ ...base, kind: "not-sent", resultClass: "unknown" }, retry, 0)).toMatchObject({
      action: "retry",
      spendsAttempt: false,
      front: false,
    });
    expect(decideNext({ ...base, kind: "answered", resultClass: "traffic" }, retry, 0)).toEqual(decideAfterTraffic(0));
    expect(decideNext({ ...base, kind: "answered", resultClass: "traffic", trafficRequeues: 1_000 }, retry, 0)).toEqual(
      { action: "done", status: "failed" },
    );
    expect(decideNext({ ...base, kind: "answered", resultClass: "success" }, retry, 0)).toEqual({
      action: "done",
      status: "succeeded",
    });
    expect(decideNext({ ...base, kind: "timeout", resultClass: "unknown" }, retry, 0)).toMatchObject({
      action: "retry",
      spendsAttempt: true,
    });
    // Two budget-spending tries before this one make three: the budget is spent.
    expect(decideNext({ ...base, budgetSpent: 2, kind: "timeout", resultClass: "unknown" }, retry, 0)).toEqual({
      action: "done",
      status: "failed",
    });
  });
});
