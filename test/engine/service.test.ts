/**
 * The dispatcher service over a recording host port: which calls wake the loop, the one arbiter of the
 * next wake-up (it only asks the host for wake-ups, the host keeps the earliest), and that a stored job
 * is answered even when the tick after it fails.
 */
import { describe, expect, it } from "vitest";
import type { SendTask } from "../../src/engine/api";
import { LEASE_GRACE_MS } from "../../src/engine/engine";
import { DispatcherService, type HostPort, type LoopOptions } from "../../src/engine/service";
import { SUCCESS, T0, World } from "./harness";

/** A host port that records what the service asked of it; time is the world's. */
function recordingPort(world: World) {
  const sent: SendTask[] = [];
  const scheduled: number[] = [];
  const port: HostPort = {
    now: () => world.now,
    yieldNow: async () => undefined,
    send: (tasks) => sent.push(...tasks),
    deliver: () => undefined,
    schedule: (at) => {
      scheduled.push(at);
    },
  };
  return { port, sent, scheduled };
}

// No sleeping inside a wake-up: every wake-up ticks once and hands the next one to the host.
const ONE_TICK: LoopOptions = { budgetMs: 0, maxSleepMs: 0, retryMs: 5_000 };

describe("the dispatcher service", () => {
  it("a stored job is ticked at once: its first sends go out without waiting for a wake-up", async () => {
    const world = new World();
    const { port, sent, scheduled } = recordingPort(world);
    const service = new DispatcherService(() => world.engine, port, ONE_TICK);
    const result = await service.submit(world.request(20));
    expect(result.kind).toBe("created");
    // The slots within the hand-over lead went out; the rest wait for the pace.
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(20);
    // The next wake-up the engine wants was asked for, and only that: the next slot's hand-over.
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]).toBeGreaterThan(T0);
    expect(scheduled[0]).toBeLessThan(T0 + 1_000);
  });

  it("a report settles the attempt and hands out what the pace allows next", async () => {
    const world = new World();
    const { port, sent } = recordingPort(world);
    const service = new DispatcherService(() => world.engine, port, ONE_TICK);
    await service.submit(world.request(2));
    const first = sent[0]!;
    world.now += 1_000;
    await service.report([
      {
        requestId: first.requestId,
        reqMsgId: first.reqMsgId,
        outcome: { ...SUCCESS.outcome, reqMsgId: first.reqMsgId, reqTime: "", latencyMs: 200, verified: true },
      },
    ]);
    expect(sent).toHaveLength(2);
    expect((await service.status(null)).backlog.notifications).toBe(100); // the second request is on the wire
  });

  it("after stop, reports still settle but nothing new is handed out and no wake-up is asked for", async () => {
    const world = new World();
    const { port, sent, scheduled } = recordingPort(world);
    const service = new DispatcherService(() => world.engine, port, ONE_TICK);
    await service.submit(world.request(20));
    await service.stop();
    const before = { scheduled: scheduled.length, sent: sent.length };
    const first = sent[0]!;
    world.now += 1_000;
    await service.report([
      {
        requestId: first.requestId,
        reqMsgId: first.reqMsgId,
        outcome: { ...SUCCESS.outcome, reqMsgId: first.reqMsgId, reqTime: "", latencyMs: 200, verified: true },
      },
    ]);
    await service.wake();
    expect(sent).toHaveLength(before.sent);
    expect(scheduled).toHaveLength(before.scheduled);
    expect((await service.status(null)).backlog.notifications).toBe(1_900); // settled; the rest still queued or on the wire
    await expect(service.submit(world.request(1))).rejects.toThrow("shutting down");
  });

  it("a tick that fails after the job is stored still answers the submit, and asks to be woken to try again", async () => {
    const world = new World();
    const { port, scheduled } = recordingPort(world);
    port.send = () => {
      throw new Error("the senders are gone");
    };
    const service = new DispatcherService(() => world.engine, port, ONE_TICK);
    const result = await service.submit(world.request(1));
    expect(result.kind).toBe("created");
    expect(world.engine.job(null, result.kind === "created" ? result.job.jobId : "")).not.toBeNull();
    expect(scheduled).toEqual([T0 + ONE_TICK.retryMs]);
  });

  it("a wake-up ends by asking for the engine's own next wake-up", async () => {
    const world = new World();
    const { port, scheduled } = recordingPort(world);
    const service = new DispatcherService(() => world.engine, port, ONE_TICK);
    world.engine.submit(world.request(1), world.now);
    await service.wake();
    // The one batch left; what the engine waits for next is its lease running out.
    const { handoverMs, sendTimeoutMs } = world.settings;
    expect(scheduled).toEqual([T0 + handoverMs + sendTimeoutMs + LEASE_GRACE_MS + 1]);
  });

  it("a wake-up while the loop runs only pokes it: one loop at a time", async () => {
    const world = new World();
    const { port, sent, scheduled } = recordingPort(world);
    port.yieldNow = () => new Promise((resolve) => setTimeout(resolve, 0));
    // The loop sleeps between slots (its clock stands still, so it would loop until stopped).
    const service = new DispatcherService(() => world.engine, port, {
      budgetMs: 60_000,
      maxSleepMs: 60_000,
      retryMs: 5_000,
    });
    world.engine.submit(world.request(20), world.now);
    const first = service.wake();
    await port.yieldNow();
    const handedOut = sent.length;
    await service.wake(); // returns at once: the running loop was poked, not started twice
    await service.stop();
    await first;
    // The poke only made the loop tick again at the same moment: nothing more was due, nothing more left.
    expect(handedOut).toBeGreaterThan(0);
    expect(sent).toHaveLength(handedOut);
    expect(scheduled).toEqual([]);
  });
});
