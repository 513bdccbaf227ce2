import { describe, expect, it } from "vitest";
import { base64ToBytes } from "../../src/core/base64";
import {
  classifyKeyDer,
  decodeOid,
  encodeTlv,
  OID_RSA_ENCRYPTION,
  readPemBlocks,
  readTlv,
  wrapPkcs1PrivateKey,
  wrapPkcs1PublicKey,
} from "../../src/core/der";
import * as v from "../fixtures/crypto/vectors";

/** The DER of the first PEM block of a fixture (fails the test if there is none). */
function pemDer(pem: string): Uint8Array {
  const der = readPemBlocks(pem)[0]?.der;
  if (!der) throw new Error("fixture has no PEM block");
  return der;
}

function b64(text: string): Uint8Array {
  const bytes = base64ToBytes(text);
  if (!bytes) throw new Error("fixture is not base64");
  return bytes;
}

describe("PKCS#1 wrapping matches OpenSSL byte for byte", () => {
  it("RSAPrivateKey -> PrivateKeyInfo equals `openssl pkcs8 -topk8 -nocrypt -outform DER`", () => {
    const wrapped = wrapPkcs1PrivateKey(pemDer(v.merchantPkcs1Pem));
    expect(wrapped.length).toBeGreaterThan(1000); // long-form lengths on both the SEQUENCE and OCTET STRING
    expect(wrapped).toEqual(b64(v.merchantPkcs8Base64));
    expect(wrapped).toEqual(pemDer(v.merchantPkcs8Pem));
  });

  it("RSAPublicKey -> SubjectPublicKeyInfo equals `openssl rsa -pubout -outform DER`", () => {
    expect(wrapPkcs1PublicKey(pemDer(v.merchantPkcs1PublicPem))).toEqual(b64(v.merchantSpkiBase64));
  });
});

describe("classifyKeyDer", () => {
  it.each([
    ["PKCS#1 private", v.merchantPkcs1Pem, { kind: "pkcs1-private" }],
    ["PKCS#1 public", v.merchantPkcs1PublicPem, { kind: "pkcs1-public" }],
    ["PKCS#8 RSA", v.merchantPkcs8Pem, { kind: "pkcs8", algorithm: OID_RSA_ENCRYPTION }],
    ["SPKI RSA", v.merchantSpkiPem, { kind: "spki", algorithm: OID_RSA_ENCRYPTION }],
    ["encrypted PKCS#8", v.encryptedPkcs8Pem, { kind: "pkcs8-encrypted" }],
    ["PKCS#8 EC", v.ecPkcs8Pem, { kind: "pkcs8", algorithm: "1.2.840.10045.2.1" }],
    ["SPKI EC", v.ecSpkiPem, { kind: "spki", algorithm: "1.2.840.10045.2.1" }],
    ["SEC1 EC", v.ecSec1Pem, { kind: "sec1" }],
  ])("%s", (_name, pem, expected) => {
    expect(classifyKeyDer(pemDer(pem))).toEqual(expected);
  });

  it("bare base64 PKCS#8 and SPKI classify like their PEM forms", () => {
    expect(classifyKeyDer(b64(v.merchantPkcs8Base64)).kind).toBe("pkcs8");
    expect(classifyKeyDer(b64(v.alipaySpkiBase64)).kind).toBe("spki");
  });

  it("random bytes, empty input and trailing bytes are unknown", () => {
    expect(classifyKeyDer(b64(v.garbageBase64))).toEqual({ kind: "unknown" });
    expect(classifyKeyDer(new Uint8Array(0))).toEqual({ kind: "unknown" });
    const der = pemDer(v.merchantSpkiPem);
    const padded = new Uint8Array(der.length + 1);
    padded.set(der);
    expect(classifyKeyDer(padded)).toEqual({ kind: "unknown" });
  });
});

describe("DER lengths", () => {
  it.each([
    [0, [0x04, 0x00]],
    [127, [0x04, 0x7f]],
    [128, [0x04, 0x81, 0x80]],
    [255, [0x04, 0x81, 0xff]],
    [256, [0x04, 0x82, 0x01, 0x00]],
    [65535, [0x04, 0x82, 0xff, 0xff]],
    [65536, [0x04, 0x83, 0x01, 0x00, 0x00]],
  ])("content of %i bytes gets header %j and reads back", (size, header) => {
    const encoded = encodeTlv(0x04, new Uint8Array(size).fill(7));
    expect([...encoded.subarray(0, header.length)]).toEqual(header);
    expect(encoded.length).toBe(header.length + size);
    expect(readTlv(encoded, 0)).toEqual({ tag: 0x04, start: header.length, end: encoded.length });
  });

  it("refuses truncated, indefinite, over-long and multi-byte-tag headers", () => {
    expect(readTlv(Uint8Array.of(0x04, 0x03, 1, 2), 0)).toBeNull(); // content cut short
    expect(readTlv(Uint8Array.of(0x04), 0)).toBeNull(); // no length byte
    expect(readTlv(Uint8Array.of(0x30, 0x80, 0, 0), 0)).toBeNull(); // BER indefinite length
    expect(readTlv(Uint8Array.of(0x04, 0x85, 0, 0, 0, 0, 1, 0), 0)).toBeNull(); // 5 length bytes
    expect(readTlv(Uint8Array.of(0x04, 0x82, 0x01), 0)).toBeNull(); // length bytes cut short
    expect(readTlv(Uint8Array.of(0x1f, 0x01, 0x00), 0)).toBeNull(); // high tag number form
  });
});

describe("decodeOid", () => {
  it("decodes multi-byte arcs and the packed first two arcs", () => {
    const rsa = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
    expect(decodeOid(rsa)).toBe("1.2.840.113549.1.1.1");
    expect(decodeOid(Uint8Array.of(0x2b, 0x65, 0x70))).toBe("1.3.101.112");
    expect(decodeOid(Uint8Array.of(0x88, 0x37))).toBe("2.999");
  });

  it("refuses an empty or unterminated OID", () => {
    expect(decodeOid(new Uint8Array(0))).toBeNull();
    expect(decodeOid(Uint8Array.of(0x2a, 0x86))).toBeNull();
  });
});

describe("readPemBlocks", () => {
  it("reads the label and body, tolerating CRLF and indentation", () => {
    const crlf = v.merchantSpkiPem.replace(/\n/g, "\r\n  ");
    const [block] = readPemBlocks(crlf);
    expect(block?.label).toBe("PUBLIC KEY");
    expect(block?.encrypted).toBe(false);
    expect(block?.der).toEqual(b64(v.merchantSpkiBase64));
  });

  it("flags legacy Proc-Type: 4,ENCRYPTED blocks", () => {
    const [block] = readPemBlocks(v.encryptedPkcs1Pem);
    expect(block?.label).toBe("RSA PRIVATE KEY");
    expect(block?.encrypted).toBe(true);
  });

  it("returns every block in order and none for mismatched or missing armour", () => {
    const params = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
    const both = params + v.ecSec1Pem;
    expect(readPemBlocks(both).map((b) => b.label)).toEqual(["EC PARAMETERS", "EC PRIVATE KEY"]);
    expect(readPemBlocks("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----")).toEqual([]);
    expect(readPemBlocks(v.merchantPkcs8Base64)).toEqual([]);
  });

  it("gives null DER for a body that is not base64", () => {
    const [block] = readPemBlocks("-----BEGIN PUBLIC KEY-----\nnot*base64!\n-----END PUBLIC KEY-----");
    expect(block?.der).toBeNull();
  });
});
