/**
 * Just enough PEM and DER to tell key formats apart and to wrap PKCS#1 RSA keys into the PKCS#8/SPKI
 * structures WebCrypto imports. Not a general ASN.1 parser: it reads definite lengths only (DER never
 * uses indefinite ones) and leaves validating the key itself to crypto.subtle.importKey.
 */
import { base64ToBytes } from "./base64";

/** rsaEncryption (RFC 8017 A.1): the only algorithm OID a PKCS#1 v1.5 signing key may carry. */
export const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";

const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_OCTET_STRING = 0x04;
const TAG_OID = 0x06;
const TAG_SEQUENCE = 0x30;

/** One DER element: `tag` and its content `bytes[start, end)`; the next element begins at `end`. */
export interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** Reads the element at `offset`; null if truncated, indefinite-length or multi-byte-tag (not DER keys). */
export function readTlv(bytes: Uint8Array, offset: number): Tlv | null {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined || (tag & 0x1f) === 0x1f) return null;
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    // 0x80 is BER's indefinite length; more than 4 length bytes means a size no key text can have.
    if (count === 0 || count > 4) return null;
    length = 0;
    for (let i = 0; i < count; i++) {
      const b = bytes[start + i];
      if (b === undefined) return null;
      length = length * 256 + b;
    }
    start += count;
  }
  const end = start + length;
  return end <= bytes.length ? { tag, start, end } : null;
}

/** The elements inside a constructed element, or null unless they exactly fill its content. */
export function readChildren(bytes: Uint8Array, parent: Tlv): Tlv[] | null {
  const children: Tlv[] = [];
  let offset = parent.start;
  while (offset < parent.end) {
    const child = readTlv(bytes, offset);
    if (!child || child.end > parent.end) return null;
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** Dotted form of an OBJECT IDENTIFIER's content bytes (X.690 8.19); null if malformed. */
export function decodeOid(content: Uint8Array): string | null {
  const arcs: number[] = [];
  let value = 0;
  let pending = false;
  for (const b of content) {
    value = value * 128 + (b & 0x7f);
    pending = (b & 0x80) !== 0;
    if (!pending) {
      arcs.push(value);
      value = 0;
    }
  }
  const head = arcs[0];
  if (head === undefined || pending) return null;
  // The first subidentifier packs the first two arcs as 40 * X + Y, with X at most 2.
  const x = Math.min(Math.floor(head / 40), 2);
  return [x, head - 40 * x, ...arcs.slice(1)].join(".");
}

/** What a DER key blob is, by its top-level shape; `algorithm` is the dotted OID where there is one. */
export type KeyStructure =
  | { kind: "pkcs1-private" } // RSAPrivateKey, RFC 8017 A.1.2 (`BEGIN RSA PRIVATE KEY`)
  | { kind: "pkcs1-public" } // RSAPublicKey, RFC 8017 A.1.1 (`BEGIN RSA PUBLIC KEY`)
  | { kind: "pkcs8"; algorithm: string } // PrivateKeyInfo, RFC 5208/5958 (`BEGIN PRIVATE KEY`)
  | { kind: "pkcs8-encrypted" } // EncryptedPrivateKeyInfo, RFC 5208 §6
  | { kind: "spki"; algorithm: string } // SubjectPublicKeyInfo, RFC 5280 §4.1.2.7 (`BEGIN PUBLIC KEY`)
  | { kind: "sec1" } // ECPrivateKey, RFC 5915 (`BEGIN EC PRIVATE KEY`)
  | { kind: "certificate" } // an X.509 certificate: holds a public key but is not one
  | { kind: "unknown" };

/** Classifies a DER blob as one of the key structures above, never throwing. */
export function classifyKeyDer(der: Uint8Array): KeyStructure {
  const top = readTlv(der, 0);
  if (!top || top.tag !== TAG_SEQUENCE || top.end !== der.length) return { kind: "unknown" };
  const items = readChildren(der, top);
  if (!items) return { kind: "unknown" };
  const tags = items.map((t) => t.tag);
  const [a, b] = items;
  if (!a || !b) return { kind: "unknown" };

  if (tags.length === 2 && tags.every((t) => t === TAG_INTEGER)) return { kind: "pkcs1-public" };
  // version, n, e, d, p, q, dP, dQ, qInv (a multi-prime key adds one trailing SEQUENCE).
  if (tags.length >= 9 && tags.slice(0, 9).every((t) => t === TAG_INTEGER)) {
    return { kind: "pkcs1-private" };
  }
  if (a.tag === TAG_INTEGER && b.tag === TAG_SEQUENCE && items[2]?.tag === TAG_OCTET_STRING) {
    const algorithm = algorithmOid(der, b);
    if (algorithm) return { kind: "pkcs8", algorithm };
  }
  if (a.tag === TAG_INTEGER && b.tag === TAG_OCTET_STRING) return { kind: "sec1" };
  if (tags.length === 2 && a.tag === TAG_SEQUENCE) {
    const algorithm = algorithmOid(der, a);
    if (algorithm && b.tag === TAG_BIT_STRING) return { kind: "spki", algorithm };
    if (algorithm && b.tag === TAG_OCTET_STRING) return { kind: "pkcs8-encrypted" };
  }
  if (tags.length === 3 && a.tag === TAG_SEQUENCE && algorithmOid(der, items[1]) !== null) {
    if (items[2]?.tag === TAG_BIT_STRING) return { kind: "certificate" };
  }
  return { kind: "unknown" };
}

/** The OID that opens an AlgorithmIdentifier SEQUENCE, or null if `seq` is not one. */
function algorithmOid(der: Uint8Array, seq: Tlv | undefined): string | null {
  if (!seq || seq.tag !== TAG_SEQUENCE) return null;
  const oid = readTlv(der, seq.start);
  if (!oid || oid.tag !== TAG_OID || oid.end > seq.end) return null;
  return decodeOid(der.subarray(oid.start, oid.end));
}

/** Encodes one DER element, with the long length form (X.690 8.1.3.5) from 128 bytes of content up. */
export function encodeTlv(tag: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  const lengthBytes: number[] = [];
  if (content.length < 0x80) {
    lengthBytes.push(content.length);
  } else {
    for (let n = content.length; n > 0; n = Math.floor(n / 256)) lengthBytes.unshift(n % 256);
    lengthBytes.unshift(0x80 | lengthBytes.length);
  }
  const out = new Uint8Array(1 + lengthBytes.length + content.length);
  out[0] = tag;
  out.set(lengthBytes, 1);
  out.set(content, 1 + lengthBytes.length);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

// AlgorithmIdentifier { rsaEncryption, NULL }: RFC 8017 A.1 requires the NULL parameters.
const RSA_ALGORITHM_ID = Uint8Array.of(
  0x30,
  0x0d,
  0x06,
  0x09,
  0x2a,
  0x86,
  0x48,
  0x86,
  0xf7,
  0x0d,
  0x01,
  0x01,
  0x01,
  0x05,
  0x00,
);
const VERSION_0 = Uint8Array.of(TAG_INTEGER, 0x01, 0x00);

/** Wraps PKCS#1 RSAPrivateKey as PKCS#8 PrivateKeyInfo, byte for byte as `openssl pkcs8 -topk8`. */
export function wrapPkcs1PrivateKey(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  return encodeTlv(TAG_SEQUENCE, concat(VERSION_0, RSA_ALGORITHM_ID, encodeTlv(TAG_OCTET_STRING, pkcs1)));
}

/** Wraps a PKCS#1 RSAPublicKey as SubjectPublicKeyInfo, byte for byte as `openssl rsa -pubout`. */
export function wrapPkcs1PublicKey(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  // A BIT STRING's first content byte counts the unused bits in its last byte: none here.
  const bits = encodeTlv(TAG_BIT_STRING, concat(Uint8Array.of(0), pkcs1));
  return encodeTlv(TAG_SEQUENCE, concat(RSA_ALGORITHM_ID, bits));
}

/** One PEM block (RFC 7468): label, whether RFC 1421 headers mark it encrypted, DER (null if not base64). */
export interface PemBlock {
  label: string;
  encrypted: boolean;
  der: Uint8Array<ArrayBuffer> | null;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every complete PEM block in `text`, in order; an empty list if there is none. */
export function readPemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const [, label = "", body = ""] of text.matchAll(PEM_BLOCK)) {
    // Legacy encrypted keys (`openssl rsa -aes256 -traditional`) carry `Proc-Type: 4,ENCRYPTED` and
    // `DEK-Info:` header lines before the base64; a base64 line never contains a colon.
    const lines = body.split(/\r?\n/);
    const headers = lines.filter((l) => l.includes(":"));
    const encrypted = headers.some((h) => /^\s*Proc-Type:.*ENCRYPTED/i.test(h));
    const base64 = lines.filter((l) => !l.includes(":")).join("");
    blocks.push({ label, encrypted, der: base64ToBytes(base64) });
  }
  return blocks;
}
