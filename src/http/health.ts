/** The health decision, in one place: from the configuration and the dispatcher's reasons to be degraded. */
import { describeConfig, type ConfigError } from "../config";
import type { Runtime } from "../runtime";
import type { DegradedReason, Health } from "./openapi/schemas";

/** The loaded configuration: a ready runtime, or every bad setting. */
export type Loaded = { ok: true; runtime: Runtime } | { ok: false; errors: ConfigError[] };

/**
 * `misconfigured` when a setting is wrong, else `degraded` when the dispatcher gave a reason, else `ok`.
 * Only `admin` answers carry the details (still without key material or key lengths).
 */
export function healthOf(loaded: Loaded, degraded: readonly DegradedReason[], admin: boolean): Health {
  const status = !loaded.ok ? "misconfigured" : degraded.length > 0 ? "degraded" : "ok";
  if (!admin) return { status };
  if (!loaded.ok) return { status, errors: loaded.errors };
  return {
    status,
    ...(degraded.length ? { degraded: [...degraded] } : {}),
    relay: describeConfig(loaded.runtime.config),
  };
}
