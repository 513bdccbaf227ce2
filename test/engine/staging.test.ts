/**
 * Large requests stored a slice at a time (`DispatcherService.submit`): nothing of a request is queued or seen
 * until its job is stored, a refused or abandoned request leaves nothing behind, and other work runs
 * between the slices.
 */
import { describe, expect, it } from "vitest";
import { STAGE_SLICE_BATCHES, storedInSlices } from "../../src/engine/service";
import { T0, World } from "./harness";

const count = (world: World, table: "runs" | "payloads" | "jobs") =>
  world.rows<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)[0]!.n;
const drained = (world: World) => () => world.engine.status(null, world.now).backlog.notifications === 0;

describe("a large request stored in slices", () => {
  it("is staged only when it has more than one slice and no dedupKey", () => {
    const world = new World();
    expect(storedInSlices(world.request(STAGE_SLICE_BATCHES, 1))).toBe(false);
    expect(storedInSlices(world.request(STAGE_SLICE_BATCHES + 1, 1))).toBe(true);
    const keyed = world.request(25, 1);
    keyed.batches[3] = { ...keyed.batches[3]!, dedupKeys: ["k"], lengths: [keyed.batches[3]!.infos.length - 2] };
    expect(storedInSlices(keyed)).toBe(false);
  });

  it("lets other work run between slices, and nothing of it is sent or seen before its job is stored", async () => {
    const world = new World();
    const request = world.request(25);
    const seen: { tasks: number; job: unknown; backlog: number }[] = [];
    const result = await world
      .service(async () => {
        seen.push({
          tasks: world.engine.tick(world.now).tasks.length,
          job: world.engine.job(null, request.jobId),
          backlog: world.engine.status(null, world.now).backlog.notifications,
        });
      })
      .submit(request);
    expect(seen).toHaveLength(Math.ceil(25 / STAGE_SLICE_BATCHES));
    expect(seen.every((s) => s.tasks === 0 && s.job === null && s.backlog === 0)).toBe(true);
    expect(result).toMatchObject({ kind: "created", job: { status: "queued", total: 2500 } });

    world.run(T0 + 600_000, drained(world));
    expect(world.departures).toHaveLength(25);
    const expected = Array.from({ length: 25 }, (_, b) =>
      Array.from({ length: 100 }, (_, i) => `${request.jobId}-${b}-${i}`),
    ).flat();
    expect(world.sentOpenIds).toEqual(expected);
    expect(world.engine.job(null, request.jobId)).toMatchObject({ status: "completed", succeeded: 2500 });
  });

  it("an instance that dies mid-request leaves nothing queued: the next one drops the staged rows", async () => {
    const world = new World();
    world.submit(2);
    const request = world.request(40);
    let slices = 0;
    await expect(
      world
        .service(async () => {
          if (++slices === 2) throw new Error("the instance went away");
        })
        .submit(request),
    ).rejects.toThrow("went away");
    // The failed request dropped what it staged itself.
    expect(count(world, "runs")).toBe(2);

    // Now as if the instance died between slices, with no chance to clean up.
    world.engine.stage(request, 0, request.batches.slice(0, 20));
    expect(count(world, "runs")).toBe(22);
    world.restart();
    expect(count(world, "runs")).toBe(2);
    expect(count(world, "payloads")).toBe(2);
    expect(world.logs).toContainEqual(expect.objectContaining({ event: "staged_runs_dropped", runs: 20 }));
    expect(world.engine.job(null, request.jobId)).toBeNull();
    world.run(T0 + 600_000, drained(world));
    expect(world.departures).toHaveLength(2);
  });

  it("a request refused at the end (its idempotency key taken meanwhile) drops its staged runs", async () => {
    const world = new World();
    const first = world.request(30, 100, { idempotencyKey: "order-1" });
    const second = { ...world.request(30, 100, { idempotencyKey: "order-1" }), bodyHash: first.bodyHash };
    let stored = false;
    const result = await world
      .service(async () => {
        // Another request under the same key is stored while this one is staging.
        if (!stored) world.engine.submit(first, world.now);
        stored = true;
      })
      .submit(second);
    expect(result).toMatchObject({ kind: "existing", job: { jobId: first.jobId } });
    expect(world.rows<{ job_id: string }>("SELECT DISTINCT job_id FROM runs")).toEqual([{ job_id: first.jobId }]);
    expect(count(world, "payloads")).toBe(30);
  });

  it("a request that would be refused stages nothing", async () => {
    const world = new World();
    world.settings = { ...world.settings, maxBacklogBatches: 20 };
    world.restart();
    let pauses = 0;
    const result = await world
      .service(async () => {
        pauses += 1;
      })
      .submit(world.request(25));
    expect(result).toMatchObject({ kind: "backlog-full" });
    expect(pauses).toBe(0);
    expect(count(world, "runs")).toBe(0);
  });
});
