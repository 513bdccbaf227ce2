/**
 * Per-caller callback secrets: derived from each RELAY_CALLBACK_SECRET entry and the job's owner, checked
 * against WebCrypto's HMAC (independent of the @noble/hashes the relay signs with), and each caller's
 * receiver verifies its own callbacks only.
 */
import { describe, expect, it } from "vitest";
import { callbackOwner, callerCallbackSecrets, signCallback } from "../../src/security/callback-secret";
import { verifyWebhook } from "../../src/security/webhook";

const rootOld = crypto.getRandomValues(new Uint8Array(32));
const rootNew = crypto.getRandomValues(new Uint8Array(32));
const shopA = "key:6d1c6a0f6f0e4c1b9a7d2e3f4a5b6c7d8e9f00112233445566778899aabbccdd";
const shopB = "caller:shop-b";

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

async function webCryptoHmac(key: Uint8Array, text: string): Promise<Uint8Array> {
  const imported = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", imported, new TextEncoder().encode(text)));
}

/** The derivation done with WebCrypto: whsec_ + base64(HMAC-SHA256(root, "callback/" + owner)). */
async function independentlyDerived(root: Uint8Array, owner: string): Promise<string> {
  return `whsec_${base64(await webCryptoHmac(root, `callback/${owner}`))}`;
}

/** A receiver's check with WebCrypto: does any v1 entry match HMAC-SHA256 under `secret` (whsec_ text)? */
async function receiverAccepts(
  secret: string,
  call: { id: string; timestamp: number; body: string; signature: string },
): Promise<boolean> {
  const key = Uint8Array.from(atob(secret.slice("whsec_".length)), (c) => c.charCodeAt(0));
  const expected = `v1,${base64(await webCryptoHmac(key, `${call.id}.${call.timestamp}.${call.body}`))}`;
  return call.signature.split(" ").includes(expected);
}

describe("callerCallbackSecrets", () => {
  it("is HMAC-SHA256(RELAY_CALLBACK_SECRET, 'callback/' + owner), one per configured secret, in order", async () => {
    expect(callerCallbackSecrets([rootOld, rootNew], shopA)).toEqual([
      await independentlyDerived(rootOld, shopA),
      await independentlyDerived(rootNew, shopA),
    ]);
    expect(callerCallbackSecrets([rootOld], shopB)).toEqual([await independentlyDerived(rootOld, shopB)]);
  });

  it("differs per caller and per configured secret, and never equals the configured secret", () => {
    const all = [
      ...callerCallbackSecrets([rootOld, rootNew], shopA),
      ...callerCallbackSecrets([rootOld, rootNew], shopB),
      ...callerCallbackSecrets([rootOld, rootNew], "caller:webhook"),
    ];
    expect(new Set(all).size).toBe(6);
    const configured = [rootOld, rootNew].map((root) => `whsec_${base64(root)}`);
    for (const secret of all) expect(configured).not.toContain(secret);
  });

  it("the webhook signer's jobs stored under an earlier owner id (webhook:<hex>) are signed as caller:webhook", () => {
    expect(callbackOwner(`webhook:${"ab".repeat(32)}`)).toBe("caller:webhook");
    expect(callbackOwner(shopA)).toBe(shopA);
    expect(callerCallbackSecrets([rootOld], `webhook:${"0f".repeat(32)}`)).toEqual(
      callerCallbackSecrets([rootOld], "caller:webhook"),
    );
  });
});

describe("signCallback", () => {
  const call = (owner: string, roots: Uint8Array[]) => {
    const base = {
      id: "msg_0123",
      timestamp: 1_790_000_000,
      body: JSON.stringify({ jobId: "job_x", status: "completed", note: "通知 ✓" }),
    };
    return { ...base, signature: signCallback({ ...base, roots, owner }) };
  };

  it("during a rotation: a receiver holding only the old or only the new secret verifies the callback", async () => {
    const signed = call(shopA, [rootOld, rootNew]);
    const [oldSecret, newSecret] = callerCallbackSecrets([rootOld, rootNew], shopA);
    expect(signed.signature.split(" ")).toHaveLength(2);
    expect(await receiverAccepts(oldSecret!, signed)).toBe(true);
    expect(await receiverAccepts(newSecret!, signed)).toBe(true);
    // The relay's own verifier agrees with node:crypto.
    const bytes = (secret: string) => Uint8Array.from(atob(secret.slice(6)), (c) => c.charCodeAt(0));
    const input = {
      id: signed.id,
      timestamp: String(signed.timestamp),
      signatureHeader: signed.signature,
      body: signed.body,
      now: signed.timestamp,
    };
    expect(verifyWebhook({ ...input, secret: bytes(oldSecret!) }).ok).toBe(true);
    expect(verifyWebhook({ ...input, secret: bytes(newSecret!) }).ok).toBe(true);
  });

  it("another caller's receiver, and a receiver holding RELAY_CALLBACK_SECRET itself, cannot verify it", async () => {
    const signed = call(shopA, [rootOld, rootNew]);
    for (const secret of callerCallbackSecrets([rootOld, rootNew], shopB))
      expect(await receiverAccepts(secret, signed)).toBe(false);
    expect(await receiverAccepts(`whsec_${base64(rootOld)}`, signed)).toBe(false);
  });

  it("after the rotation (new secret only), the old secret no longer verifies", async () => {
    const signed = call(shopA, [rootNew]);
    const [oldSecret] = callerCallbackSecrets([rootOld], shopA);
    const [newSecret] = callerCallbackSecrets([rootNew], shopA);
    expect(await receiverAccepts(newSecret!, signed)).toBe(true);
    expect(await receiverAccepts(oldSecret!, signed)).toBe(false);
  });
});
