import { parseConfig, type Config, type ConfigError } from "./config";
import { importPrivateKey, importPublicKey } from "./core/keys";
import type { SenderContext } from "./engine/sender";

/** What every request and send needs: the parsed configuration and both imported keys. */
export interface Runtime {
  config: Config;
  signingKey: CryptoKey;
  verifyKey: CryptoKey;
}

/** Either a ready runtime or every configuration problem found, each naming its setting. */
export type RuntimeResult = { ok: true; runtime: Runtime } | { ok: false; errors: ConfigError[] };

// One parse and one key import per isolate: `env` is the same object for every request of an isolate.
const loaded = new WeakMap<object, Promise<RuntimeResult>>();

/** Parses configuration and imports the keys once per isolate (per `env` object). */
export function loadRuntime(env: object): Promise<RuntimeResult> {
  let result = loaded.get(env);
  if (!result) {
    result = build(env);
    loaded.set(env, result);
  }
  return result;
}

async function build(env: object): Promise<RuntimeResult> {
  const parsed = parseConfig(env);
  if (!parsed.ok) return parsed;
  const { config } = parsed;
  const [signing, verify] = await Promise.all([
    importPrivateKey(config.privateKey, config.signAlgorithm),
    importPublicKey(config.publicKey, config.signAlgorithm),
  ]);
  const errors: ConfigError[] = [];
  if (!signing.ok) errors.push({ setting: "ALIPAY_PRIVATE_KEY", problem: signing.message });
  if (!verify.ok) errors.push({ setting: "ALIPAY_PUBLIC_KEY", problem: verify.message });
  if (!signing.ok || !verify.ok) return { ok: false, errors };
  return { ok: true, runtime: { config, signingKey: signing.key, verifyKey: verify.key } };
}

/** What a sender signs and sends with, from a ready runtime. */
export function senderContext({ config, signingKey, verifyKey }: Runtime): SenderContext {
  return {
    gatewayUrl: config.gatewayUrl,
    clientId: config.clientId,
    signingKey,
    verifyKey,
    sendTimeoutMs: config.sendTimeoutMs,
    utcOffsetMinutes: config.utcOffsetMinutes,
  };
}
