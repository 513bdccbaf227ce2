import type { Runtime } from "../runtime";

/** Hono's typing for the relay: Worker bindings, plus what middleware resolves once per request. */
export interface RelayEnv {
  Bindings: Env;
  Variables: {
    runtime: Runtime;
    /** Non-reversible id of the credential that authenticated the request (job isolation). */
    owner: string;
  };
}
