/**
 * The settings only a self-hosted process reads (the relay's own come from `SETTINGS` in src/config,
 * under the same names as on Cloudflare), declared once with the same building blocks: the parse, its
 * messages and the docs/configuration.md rows come from here.
 */
import { type ConfigError, SETTING_NAMES } from "../../config";
import { identifier, integer } from "../../config/setting";

/** Every self-hosted-only setting, with its default and meaning. */
export const HOST_SETTINGS = {
  PORT: integer(1, 65535, { default: "8787", required: false, description: "TCP port the relay listens on." }),
  HOST: identifier(255, {
    default: "127.0.0.1",
    required: false,
    description: "Address the relay listens on (0.0.0.0 for every interface, e.g. in a container).",
  }),
  RELAY_DATA_DIR: identifier(4096, {
    default: ".data/",
    required: false,
    description: "Directory of the SQLite outbox (`outbox.sqlite`) and its lock; one relay process per directory.",
  }),
  RELAY_SHUTDOWN_GRACE_MS: integer(0, 60_000, {
    default: "5000",
    required: false,
    description:
      "On SIGTERM, how long sends already on the wire may take to finish, in ms; any still out stay leased and are resent after a restart.",
  }),
} as const;

/**
 * Every environment variable a self-hosted relay reads: the relay's settings and the host's own. On Deno
 * they are also all it may read (`--allow-env` names exactly these, see scripts/self-hosted.ts).
 */
export const PROCESS_SETTING_NAMES: readonly string[] = [...SETTING_NAMES, ...Object.keys(HOST_SETTINGS)];

/** Where and how the process serves. */
export interface HostSettings {
  port: number;
  host: string;
  dataDir: string;
  shutdownGraceMs: number;
}

/** Parses the self-hosted settings from the process environment, naming each bad one. */
export function parseHostSettings(
  vars: Record<string, string | undefined>,
): { ok: true; settings: HostSettings } | { ok: false; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const read = <T>(name: keyof typeof HOST_SETTINGS): T => {
    const setting = HOST_SETTINGS[name];
    const parsed = setting.schema.safeParse(vars[name]?.trim() || setting.default);
    if (!parsed.success) errors.push({ setting: name, problem: parsed.error.issues[0]?.message ?? "is not valid" });
    return parsed.data as T;
  };
  const settings: HostSettings = {
    port: read<number>("PORT"),
    host: read<string>("HOST"),
    dataDir: read<string>("RELAY_DATA_DIR"),
    shutdownGraceMs: read<number>("RELAY_SHUTDOWN_GRACE_MS"),
  };
  return errors.length ? { ok: false, errors } : { ok: true, settings };
}
