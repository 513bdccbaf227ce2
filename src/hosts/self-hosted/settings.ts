/**
 * The settings only a self-hosted process reads (the relay's own come from `SETTINGS` in config.ts,
 * under the same names as on Cloudflare). Declared once here for the parser and the README.
 */
import type { ConfigError, Setting } from "../../config";

/** Every self-hosted-only setting, with its default and meaning. */
export const HOST_SETTINGS = [
  {
    name: "PORT", default: "8787", required: false, secret: false,
    range: { min: 1, max: 65535, integer: true },
    description: "TCP port the relay listens on.",
  },
  {
    name: "HOST", default: "127.0.0.1", required: false, secret: false,
    description: "Address the relay listens on (0.0.0.0 for every interface, e.g. in a container).",
  },
  {
    name: "RELAY_DATA_DIR", default: ".data/", required: false, secret: false,
    description: "Directory of the SQLite outbox (`outbox.sqlite`) and its lock; one relay process per directory.",
  },
  {
    name: "RELAY_SHUTDOWN_GRACE_MS", default: "5000", required: false, secret: false,
    range: { min: 0, max: 60000, integer: true },
    description:
      "On SIGTERM, how long sends already on the wire may take to finish, in ms; any still out stay leased and are resent after a restart.",
  },
] as const satisfies readonly Setting[];

/** Where and how the process serves. */
export interface HostSettings {
  port: number;
  host: string;
  dataDir: string;
  shutdownGraceMs: number;
}

/** Parses the self-hosted settings from the process environment, naming each bad one. */
export function parseHostSettings(vars: Record<string, string | undefined>): { ok: true; settings: HostSettings } | { ok: false; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const text = (name: (typeof HOST_SETTINGS)[number]["name"]): string => {
    const value = vars[name]?.trim();
    return value ? value : (HOST_SETTINGS.find((s) => s.name === name)?.default ?? "");
  };
  const integer = (name: "PORT" | "RELAY_SHUTDOWN_GRACE_MS"): number => {
    const { min, max } = (HOST_SETTINGS.find((s) => s.name === name) as Setting).range!;
    const value = text(name);
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || n < min || n > max) errors.push({ setting: name, problem: `must be an integer from ${min} to ${max}, not "${value}"` });
    return n;
  };
  const settings: HostSettings = {
    port: integer("PORT"),
    host: text("HOST"),
    dataDir: text("RELAY_DATA_DIR"),
    shutdownGraceMs: integer("RELAY_SHUTDOWN_GRACE_MS"),
  };
  return errors.length ? { ok: false, errors } : { ok: true, settings };
}
