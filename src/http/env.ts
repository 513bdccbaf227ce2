import type { Runtime } from "../runtime";

/** Hono's typing for the relay: Worker bindings, plus what middleware resolves once per request. */
export interface RelayEnv {
  Bindings: Env;
  Variables: {
    runtime: Runtime;
  };
}
