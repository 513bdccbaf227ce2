/**
 * Imports the merchant's private key and Alipay's public key for RSASSA-PKCS1-v1_5, from whichever
 * text form an operator pastes. Failures are values naming the problem; no message ever quotes key text.
 */
import { base64ToBytes, bytesToBase64 } from "./base64";
import { classifyKeyDer, OID_RSA_ENCRYPTION, readPemBlocks, wrapPkcs1PrivateKey, wrapPkcs1PublicKey } from "./der";
import type { SignAlgorithm } from "./types";

/** Why a key text was refused. */
export type KeyProblem = "encrypted" | "not-rsa" | "too-short" | "not-a-key" | "wrong-kind";

/** An imported, non-extractable key and its modulus size in bits, or the problem with the text. */
export type KeyImport =
  | { ok: true; key: CryptoKey; bits: number }
  | { ok: false; problem: KeyProblem; message: string };

type KeyKind = "private" | "public";

/** AlipayHK and the brief: 2048-bit RSA keys; anything shorter is refused. */
const MIN_BITS = 2048;

/** Merchant private key: PKCS#1 PEM, PKCS#8 PEM, or bare one-line base64 PKCS#8 DER. */
export function importPrivateKey(text: string, algorithm: SignAlgorithm): Promise<KeyImport> {
  return memoized("private", text, algorithm);
}

/** Alipay's public key: SPKI PEM or bare base64 SPKI DER. */
export function importPublicKey(text: string, algorithm: SignAlgorithm): Promise<KeyImport> {
  return memoized("public", text, algorithm);
}

/** Per-isolate memo, keyed by SHA-256(kind, algorithm, text) so key text never sits in a map key. */
const memo = new Map<string, Promise<KeyImport>>();
// Configuration holds one or two keys; the cap only bounds memory if callers pass many texts.
const MEMO_LIMIT = 16;

async function memoized(kind: KeyKind, text: string, algorithm: SignAlgorithm): Promise<KeyImport> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${kind}\n${algorithm}\n${text}`));
  const id = bytesToBase64(new Uint8Array(digest));
  let entry = memo.get(id);
  if (!entry) {
    // The promise itself is stored, so concurrent first callers share one import.
    entry = importKey(kind, text, algorithm);
    if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value ?? "");
    memo.set(id, entry);
  }
  return entry;
}

function fail(problem: KeyProblem, message: string): KeyFailure {
  return { ok: false, problem, message };
}

async function importKey(kind: KeyKind, text: string, algorithm: SignAlgorithm): Promise<KeyImport> {
  const read = readKeyText(text);
  if (!read.ok) return read;

  const other: KeyKind = kind === "private" ? "public" : "private";
  const structure = classifyKeyDer(read.der);
  let format: "pkcs8" | "spki";
  let der = read.der;
  switch (structure.kind) {
    case "pkcs8-encrypted":
      return encrypted();
    case "sec1":
      return notRsa("EC");
    case "certificate":
      return fail(
        "not-a-key",
        "this is an X.509 certificate, not a key; extract its public key with `openssl x509 -pubkey -noout`",
      );
    case "unknown":
      return fail("not-a-key", "this is not a PEM or base64 DER key (unrecognised structure)");
    case "pkcs1-private":
    case "pkcs8":
      if (kind !== "private") return wrongKind(kind, other);
      if (structure.kind === "pkcs8" && structure.algorithm !== OID_RSA_ENCRYPTION) {
        return notRsa(algorithmName(structure.algorithm));
      }
      // WebCrypto imports private keys only as PKCS#8, so PKCS#1 (`openssl genrsa`) is wrapped first.
      if (structure.kind === "pkcs1-private") der = wrapPkcs1PrivateKey(der);
      format = "pkcs8";
      break;
    case "pkcs1-public":
    case "spki":
      if (kind !== "public") return wrongKind(kind, other);
      if (structure.kind === "spki" && structure.algorithm !== OID_RSA_ENCRYPTION) {
        return notRsa(algorithmName(structure.algorithm));
      }
      if (structure.kind === "pkcs1-public") der = wrapPkcs1PublicKey(der);
      format = "spki";
      break;
  }

  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey(
      format,
      der,
      { name: "RSASSA-PKCS1-v1_5", hash: { name: algorithm === "RSA2" ? "SHA-256" : "SHA-1" } },
      false, // non-extractable: once imported, the key material cannot be read back out
      [kind === "private" ? "sign" : "verify"],
    );
  } catch {
    // WebCrypto's own message is dropped: it is not ours to vouch that it never echoes input.
    return fail("not-a-key", `this ${kind} key's RSA structure is malformed (WebCrypto refused it)`);
  }
  const { modulusLength: bits = 0, publicExponent } = key.algorithm as {
    modulusLength?: number;
    publicExponent?: Uint8Array;
  };
  // workerd refuses an RSA structure of zeros; Node and Deno import it (modulus 0 or 8 bits, exponent
  // 0). An RSA public exponent is odd and at least 3 (RFC 8017 §3.1): anything else is no key at all.
  const exponent = publicExponent ?? new Uint8Array([3]);
  const odd = (exponent.at(-1) ?? 0) % 2 === 1;
  const aboveOne = exponent.some((b, i) => (i < exponent.length - 1 ? b > 0 : b > 1));
  if (!odd || !aboveOne) {
    return fail(
      "not-a-key",
      `this ${kind} key's RSA structure is malformed (its public exponent is not an odd number above 1)`,
    );
  }
  if (bits < MIN_BITS) {
    return fail("too-short", `this RSA ${kind} key is ${bits} bits; at least ${MIN_BITS} are required`);
  }
  return { ok: true, key, bits };
}

type KeyFailure = Extract<KeyImport, { ok: false }>;

/** PEM (first key block) or bare base64 DER, to bytes. */
function readKeyText(text: string): { ok: true; der: Uint8Array<ArrayBuffer> } | KeyFailure {
  // Secrets pasted through a shell or a dashboard often carry literal `\n` for line breaks; the
  // base64 alphabet has no backslash, so turning them back into newlines cannot alter a key.
  const normalized = text.replace(/\\r/g, "").replace(/\\n/g, "\n").trim();
  if (normalized === "") return fail("not-a-key", "the key text is empty");
  if (normalized.includes("-----BEGIN ")) {
    // `openssl ecparam -genkey` puts an EC PARAMETERS block before the key; skip it.
    const block = readPemBlocks(normalized).find((b) => b.label !== "EC PARAMETERS");
    if (!block) return fail("not-a-key", "the PEM armour is incomplete (no matching BEGIN/END lines)");
    if (block.encrypted) return encrypted();
    if (!block.der) return fail("not-a-key", "the PEM body is not valid base64");
    return { ok: true, der: block.der };
  }
  const der = base64ToBytes(normalized);
  if (!der) return fail("not-a-key", "the key text is neither PEM nor base64");
  return { ok: true, der };
}

function encrypted(): KeyFailure {
  return fail(
    "encrypted",
    "this private key is passphrase-protected; store it decrypted, e.g. from `openssl pkcs8 -topk8 -nocrypt`",
  );
}

function notRsa(name: string): KeyFailure {
  return fail("not-rsa", `this key's algorithm is ${name}, not RSA; AlipayHK signatures need RSA`);
}

function wrongKind(wanted: KeyKind, got: KeyKind): KeyFailure {
  return fail("wrong-kind", `this is a ${got} key where a ${wanted} key is expected`);
}

const ALGORITHM_NAMES: Record<string, string> = {
  "1.2.840.10045.2.1": "EC",
  "1.2.840.10040.4.1": "DSA",
  "1.2.840.113549.1.1.10": "RSA-PSS (restricted to PSS signing)",
  "1.3.101.110": "X25519",
  "1.3.101.111": "X448",
  "1.3.101.112": "Ed25519",
  "1.3.101.113": "Ed448",
};

/** A readable name for a non-RSA algorithm OID (an OID is public, so it may appear in messages). */
function algorithmName(oid: string): string {
  return ALGORITHM_NAMES[oid] ?? `OID ${oid}`;
}
