/** Recording an ignored event: the log line always, the dispatcher's count waited for a bounded time, never thrown. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { countedSourceEvents, type IgnoredSourceEvent, RECORD_WAIT_MS } from "../../src/sources/outcomes";

const EVENT: IgnoredSourceEvent = {
  source: "shopify",
  outcome: "ignored",
  reason: "no-open-id",
  eventType: "orders/paid",
  deliveryId: "d-1",
  at: Date.parse("2026-11-26T04:00:00Z"),
};

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("countedSourceEvents", () => {
  it("logs the event, then hands the dispatcher only what it counts (no delivery id)", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const counted: unknown[] = [];
    await countedSourceEvents({ recordSourceEvent: async (event) => void counted.push(event) }).ignored(EVENT);
    expect(counted).toEqual([{ source: "shopify", reason: "no-open-id", eventType: "orders/paid", at: EVENT.at }]);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      event: "source_event_ignored",
      source: "shopify",
      reason: "no-open-id",
      deliveryId: "d-1",
    });
  });

  it("a count that throws, even at once, is logged and not rethrown", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const throwing = {
      recordSourceEvent: (): Promise<void> => {
        throw new Error("stub gone");
      },
    };
    await expect(countedSourceEvents(throwing).ignored(EVENT)).resolves.toBeUndefined();
    expect(lines.map((l) => JSON.parse(l).event)).toEqual(["source_event_ignored", "source_event_not_counted"]);
  });

  it("a count that does not finish is waited for RECORD_WAIT_MS at most", async () => {
    vi.useFakeTimers();
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    let done = false;
    const pending = countedSourceEvents({ recordSourceEvent: () => new Promise<void>(() => undefined) })
      .ignored(EVENT)
      .then(() => (done = true));
    await vi.advanceTimersByTimeAsync(RECORD_WAIT_MS - 1);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(done).toBe(true);
  });
});
