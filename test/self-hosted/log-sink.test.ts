/**
 * The self-hosted relay's log lines: gathered within a turn and written at once, in order, and written
 * out on `flush` (a shutdown's last lines are not lost).
 */
import { describe, expect, it } from "vitest";
import { batchedLines } from "../../src/hosts/self-hosted/log-sink";

describe("log lines written in batches", () => {
  it("writes a turn's lines in one write, in order, one per line", async () => {
    const writes: string[] = [];
    const { sink } = batchedLines({ write: (text) => writes.push(text) });
    for (let i = 0; i < 50; i++) sink(`{"event":"e${i}"}`);
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
    expect(writes[0]?.split("\n")).toEqual([...Array.from({ length: 50 }, (_, i) => `{"event":"e${i}"}`), ""]);
    sink('{"event":"later"}');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([writes[0], '{"event":"later"}\n']);
  });

  it("flush writes what is gathered at once, and nothing twice", async () => {
    const writes: string[] = [];
    const { sink, flush } = batchedLines({ write: (text) => writes.push(text) });
    sink('{"event":"stopped"}');
    flush();
    expect(writes).toEqual(['{"event":"stopped"}\n']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
  });
});
