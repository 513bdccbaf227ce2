/**
 * The dispatcher service as the Durable Object runs it: the engine on the object's SQLite storage, and
 * the host port — the clock, `scheduler.wait` to yield, `Sender` invocations to send, callbacks handed
 * over from the object, and the alarm (`schedule`, the object's own) as the wake-up.
 */
import { parseConfig } from "../../config";
import { Engine } from "../../engine/engine";
import { DispatcherService, DURABLE_OBJECT_LOOP } from "../../engine/service";
import { DURABLE_OBJECT_CALLBACKS_IN_FLIGHT, engineSettings } from "../../engine/settings";
import { deliverCallbacksFrom, handOver } from "./hand-over";
import { durableObjectSql } from "./sql-storage";

export function durableObjectService(
  ctx: DurableObjectState,
  env: Env,
  schedule: (at: number) => Promise<void>,
): DispatcherService {
  let callbackSecret: readonly Uint8Array[] | undefined;
  const service: DispatcherService = new DispatcherService(
    () => {
      const parsed = parseConfig(env);
      if (!parsed.ok) throw new Error(`configuration invalid: ${parsed.errors.map((e) => e.setting).join(", ")}`);
      callbackSecret = parsed.config.callbackSecret;
      return new Engine(
        durableObjectSql(ctx.storage),
        engineSettings(parsed.config, { callbacksInFlight: DURABLE_OBJECT_CALLBACKS_IN_FLIGHT }),
      ).open(Date.now());
    },
    {
      now: Date.now,
      yieldNow: () => scheduler.wait(0),
      send: (tasks) => handOver(ctx, tasks),
      deliver: (callbacks) =>
        deliverCallbacksFrom(ctx, callbacks, callbackSecret, (report) => service.callbackEnded(report)),
      schedule,
    },
    DURABLE_OBJECT_LOOP,
  );
  return service;
}
