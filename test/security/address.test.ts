/**
 * Address classification for callbacks: every special-purpose range is refused, public unicast passes;
 * the parser reads what `URL` and DNS lookups write, cross-checked against the URL parser's own IPv6
 * serialization.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AddressClass, classifyAddress, parseIp } from "../../src/security/address";

const TABLE: [address: string, kind: AddressClass][] = [
  // The addresses a caller used to reach inside (see docs/security.md).
  ["127.0.0.1", "loopback"],
  ["169.254.169.254", "link-local"],
  ["10.0.0.1", "private"],
  ["[fd00::1]", "unique-local"],
  ["[::ffff:a9fe:a9fe]", "ipv4-mapped"],
  ["0.0.0.0", "unspecified"],
  // IPv4
  ["0.1.2.3", "this-network"],
  ["10.255.255.255", "private"],
  ["100.63.255.255", "public"],
  ["100.64.0.0", "shared"],
  ["100.127.255.255", "shared"],
  ["100.128.0.0", "public"],
  ["126.255.255.255", "public"],
  ["127.255.255.254", "loopback"],
  ["169.253.255.255", "public"],
  ["169.254.0.1", "link-local"],
  ["172.15.255.255", "public"],
  ["172.16.0.0", "private"],
  ["172.31.255.255", "private"],
  ["172.32.0.0", "public"],
  ["192.0.0.8", "reserved"],
  ["192.0.2.1", "documentation"],
  ["192.88.99.1", "reserved"],
  ["192.167.255.255", "public"],
  ["192.168.1.1", "private"],
  ["198.18.0.1", "benchmarking"],
  ["198.19.255.255", "benchmarking"],
  ["198.20.0.0", "public"],
  ["198.51.100.7", "documentation"],
  ["203.0.113.9", "documentation"],
  ["224.0.0.1", "multicast"],
  ["239.255.255.255", "multicast"],
  ["240.0.0.1", "reserved"],
  ["255.255.255.255", "broadcast"],
  ["8.8.8.8", "public"],
  ["1.1.1.1", "public"],
  ["223.255.255.255", "public"],
  // IPv6
  ["::", "unspecified"],
  ["::1", "loopback"],
  ["[::1]", "loopback"],
  ["::ffff:127.0.0.1", "ipv4-mapped"],
  ["::ffff:8.8.8.8", "ipv4-mapped"],
  ["::127.0.0.1", "ipv4-compatible"],
  ["::a9fe:a9fe", "ipv4-compatible"],
  ["64:ff9b::a9fe:a9fe", "ipv4-translated"],
  ["64:ff9b:1::1", "ipv4-translated"],
  ["100::1", "discard"],
  ["2001::1", "ipv4-tunnel"],
  ["2001:db8::1", "documentation"],
  ["2001:100::1", "reserved"],
  ["2002:7f00:1::", "ipv4-tunnel"],
  ["3fff::1", "documentation"],
  ["5f00::1", "reserved"],
  ["fc00::1", "unique-local"],
  ["fdff:ffff::1", "unique-local"],
  ["fe80::1", "link-local"],
  ["fe80::1%eth0", "link-local"],
  ["febf::1", "link-local"],
  ["fec0::1", "site-local"],
  ["ff02::1", "multicast"],
  ["::2", "ipv4-compatible"],
  ["1000::1", "reserved"],
  ["4000::1", "reserved"],
  ["2606:4700:4700::1111", "public"],
  ["2404:6800:4005:80a::200e", "public"],
  ["3ffe:ffff::1", "public"],
];

describe("classifyAddress", () => {
  it.each(TABLE)("%s is %s", (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it("reads the forms URL writes: every spelling of 127.0.0.1 and of 169.254.169.254 is refused", () => {
    for (const spelling of [
      "127.1",
      "2130706433",
      "0x7f.0.0.1",
      "0177.0.0.1",
      "127.0.0.1.",
      "[::ffff:127.0.0.1]",
      "[0:0:0:0:0:ffff:7f00:1]",
    ]) {
      const host = new URL(`https://${spelling}/`).hostname;
      expect(classifyAddress(host), `${spelling} → ${host}`).not.toBe("public");
      expect(classifyAddress(host)).not.toBeNull();
    }
    expect(classifyAddress(new URL("https://[::ffff:169.254.169.254]/").hostname)).toBe("ipv4-mapped");
    expect(classifyAddress(new URL("https://0xa9.0xfe.0xa9.0xfe/").hostname)).toBe("link-local");
  });

  it("says null for what is not an address", () => {
    for (const text of [
      "",
      "example.com",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "1.2.3.-4",
      ":::",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7::8",
      "12345::",
      "g::1",
      "::ffff:1.2.3",
    ]) {
      expect(parseIp(text), text).toBeNull();
    }
  });

  it("parses every IPv6 address from the URL parser's own serialization to the same 16 bytes", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 8 }),
        (bytes, at, zeros) => {
          // Runs of zero groups, so the compressed `::` form is exercised at every position.
          for (let g = at; g < Math.min(8, at + zeros); g++) bytes[2 * g] = bytes[2 * g + 1] = 0;
          const full = Array.from({ length: 8 }, (_, g) =>
            ((bytes[2 * g]! << 8) | bytes[2 * g + 1]!).toString(16),
          ).join(":");
          const serialized = new URL(`https://[${full}]/`).hostname;
          expect(parseIp(serialized)).toEqual(bytes);
          expect(parseIp(full)).toEqual(bytes);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("parses every IPv4 address URL writes to its 4 bytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (value) => {
        const host = new URL(`https://${value}/`).hostname;
        const bytes = new Uint8Array([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
        expect(parseIp(host)).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });
});
