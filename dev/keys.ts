/**
 * Dev-only key material under `.dev/` (gitignored), made on first use and reused afterwards so a local
 * relay, its stored jobs and a developer's copied curl commands keep working across runs.
 *
 * The merchant private key is written as PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`, what `openssl genrsa`
 * gives) so the relay's PKCS#1 import path is exercised locally, not only PKCS#8.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The two RSA-2048 key pairs of a local run, as PEM text. */
export interface DevKeys {
  /** PKCS#1 PEM: what ALIPAY_PRIVATE_KEY gets. */
  merchantPrivateKey: string;
  /** SPKI PEM: what the stand-in verifies requests with. */
  merchantPublicKey: string;
  /** PKCS#8 PEM: the stand-in signs its answers with it, as Alipay would. */
  alipayPrivateKey: string;
  /** SPKI PEM: what ALIPAY_PUBLIC_KEY gets. */
  alipayPublicKey: string;
}

/** The relay's dev credentials. */
export interface DevSecrets {
  /** A bearer token for RELAY_API_KEYS. */
  apiKey: string;
  /** A Standard Webhooks secret for RELAY_WEBHOOK_SECRET (`whsec_` + base64 of 32 random bytes). */
  webhookSecret: string;
  /** An operator's bearer token for RELAY_ADMIN_KEYS (pause/resume, every job, cancel). */
  adminKey: string;
  /** The Standard Webhooks secret that signs completion callbacks (RELAY_CALLBACK_SECRET). */
  callbackSecret: string;
  /** The example Shopify source's signing secret (SHOPIFY_WEBHOOK_SECRET), 64 hex digits as Shopify shows them. */
  shopifyWebhookSecret: string;
  /** The example Stripe source's endpoint secret (STRIPE_WEBHOOK_SECRET), `whsec_` and 32 letters and digits. */
  stripeWebhookSecret: string;
}

/** A dev clientId (≤ 32 characters, digits like real ones). */
export const DEV_CLIENT_ID = "211020000000000000099";
/** A dev merchantId. */
export const DEV_MERCHANT_ID = "2160400000000099";

/** The default folder of dev keys, relative to the project root. */
export const DEV_KEYS_DIR = ".dev/keys";

/** Loads the dev key pairs from `dir`, generating whichever is missing. Idempotent, safe to race. */
export async function ensureDevKeys(dir: string): Promise<DevKeys> {
  await mkdir(dir, { recursive: true });
  const merchant = await ensureFile(join(dir, "merchant-private.pem"), () => newPrivateKey("pkcs1"));
  const alipay = await ensureFile(join(dir, "alipay-private.pem"), () => newPrivateKey("pkcs8"));
  // Public keys are always derived from the private ones, so a pair can never be mismatched; the .pem
  // copies are written only for humans and other tools.
  const keys: DevKeys = {
    merchantPrivateKey: merchant,
    merchantPublicKey: publicPem(merchant),
    alipayPrivateKey: alipay,
    alipayPublicKey: publicPem(alipay),
  };
  await writeFile(join(dir, "merchant-public.pem"), keys.merchantPublicKey);
  await writeFile(join(dir, "alipay-public.pem"), keys.alipayPublicKey);
  return keys;
}

/** Loads the relay's dev API key, admin key, webhook, callback and source secrets from `dir`, generating them on first use. */
export async function ensureDevSecrets(dir: string): Promise<DevSecrets> {
  await mkdir(dir, { recursive: true });
  return {
    apiKey: (await ensureFile(join(dir, "relay-api-key"), () => `dev_${randomBytes(24).toString("base64url")}\n`)).trim(),
    webhookSecret: (await ensureFile(join(dir, "webhook-secret"), () => `whsec_${randomBytes(32).toString("base64")}\n`)).trim(),
    adminKey: (await ensureFile(join(dir, "relay-admin-key"), () => `devadmin_${randomBytes(24).toString("base64url")}\n`)).trim(),
    callbackSecret: (await ensureFile(join(dir, "callback-secret"), () => `whsec_${randomBytes(32).toString("base64")}\n`)).trim(),
    shopifyWebhookSecret: (await ensureFile(join(dir, "shopify-webhook-secret"), () => `${randomBytes(32).toString("hex")}\n`)).trim(),
    stripeWebhookSecret: (
      await ensureFile(join(dir, "stripe-webhook-secret"), () => `whsec_${randomBytes(24).toString("base64url").replace(/[-_]/g, "x")}\n`)
    ).trim(),
  };
}

function newPrivateKey(format: "pkcs1" | "pkcs8"): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
  return privateKey.export({ type: format, format: "pem" }) as string;
}

function publicPem(privatePem: string): string {
  return createPublicKey(createPrivateKey(privatePem)).export({ type: "spki", format: "pem" }) as string;
}

/**
 * Returns the content of `path`, creating it from `make()` if absent. The new file is written aside and
 * published with link(), which fails if the name exists: two runs starting at once both end up with the
 * same complete file, never a half-written or mixed one.
 */
async function ensureFile(path: string, make: () => string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temp, make(), { mode: 0o600 });
  try {
    await link(temp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    await unlink(temp);
  }
  return readFile(path, "utf8");
}
