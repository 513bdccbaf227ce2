/**
 * Which IP addresses a completion callback may connect to. A caller names the callback URL, so the
 * relay must not become its way into the operator's own network: loopback, private (RFC 1918), shared
 * (CGNAT, RFC 6598), link-local (cloud metadata at 169.254.169.254), unique-local, multicast, the
 * unspecified address and the rest of IANA's special-purpose registries are refused. IPv6 forms that
 * carry an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are refused whatever they carry: a
 * receiver has no reason to be reached that way, and each is a route to an address checked only as IPv6.
 * Pure functions over the address text, no lookup.
 */

/** Why an address is refused; `public` is the one class a callback may reach. */
export type AddressClass =
  | "public"
  | "unspecified"
  | "this-network"
  | "loopback"
  | "private"
  | "shared"
  | "link-local"
  | "unique-local"
  | "site-local"
  | "multicast"
  | "broadcast"
  | "documentation"
  | "benchmarking"
  | "ipv4-mapped"
  | "ipv4-compatible"
  | "ipv4-translated"
  | "ipv4-tunnel"
  | "discard"
  | "reserved";

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export type IpBytes = Uint8Array;

interface Range {
  prefix: number[];
  bits: number;
  kind: Exclude<AddressClass, "public">;
}

const r = (prefix: number[], bits: number, kind: Range["kind"]): Range => ({ prefix, bits, kind });

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates), plus multicast and class E.
const IPV4: Range[] = [
  r([0, 0, 0, 0], 32, "unspecified"),
  r([0], 8, "this-network"),
  r([10], 8, "private"),
  r([100, 64], 10, "shared"),
  r([127], 8, "loopback"),
  r([169, 254], 16, "link-local"),
  r([172, 16], 12, "private"),
  r([192, 0, 0], 24, "reserved"),
  r([192, 0, 2], 24, "documentation"),
  r([192, 88, 99], 24, "reserved"),
  r([192, 168], 16, "private"),
  r([198, 18], 15, "benchmarking"),
  r([198, 51, 100], 24, "documentation"),
  r([203, 0, 113], 24, "documentation"),
  r([224], 4, "multicast"),
  r([255, 255, 255, 255], 32, "broadcast"),
  r([240], 4, "reserved"),
];

// IANA IPv6 Special-Purpose Address Registry; only global unicast (2000::/3) outside it is public.
const IPV6: Range[] = [
  r([], 128, "unspecified"),
  r([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback"),
  r([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96, "ipv4-mapped"),
  r([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 96, "ipv4-compatible"),
  r([0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96, "ipv4-translated"),
  r([0, 0x64, 0xff, 0x9b, 0, 1], 48, "ipv4-translated"),
  r([0x01, 0, 0, 0, 0, 0, 0, 0], 64, "discard"),
  r([0x20, 0x01, 0x0d, 0xb8], 32, "documentation"),
  r([0x20, 0x01, 0, 0], 32, "ipv4-tunnel"), // Teredo
  r([0x20, 0x01, 0], 23, "reserved"),
  r([0x20, 0x02], 16, "ipv4-tunnel"), // 6to4
  r([0x3f, 0xff], 20, "documentation"),
  r([0x5f, 0x00], 16, "reserved"), // SRv6 SIDs
  r([0xfc], 7, "unique-local"),
  r([0xfe, 0x80], 10, "link-local"),
  r([0xfe, 0xc0], 10, "site-local"),
  r([0xff], 8, "multicast"),
];

const GLOBAL_UNICAST_V6: Range = r([0x20], 3, "reserved");

/** The class of an address given as bytes (4 or 16). */
export function classifyBytes(bytes: IpBytes): AddressClass {
  const ranges = bytes.length === 4 ? IPV4 : IPV6;
  for (const range of ranges) if (inRange(bytes, range)) return range.kind;
  if (bytes.length === 16 && !inRange(bytes, GLOBAL_UNICAST_V6)) return "reserved";
  return "public";
}

/**
 * The class of an address written as text: dotted IPv4, or IPv6 with or without brackets (as
 * `URL.hostname` and DNS lookups write them); null when the text is not an IP address.
 */
export function classifyAddress(text: string): AddressClass | null {
  const bytes = parseIp(text);
  return bytes === null ? null : classifyBytes(bytes);
}

/** Parses an IPv4 or IPv6 address (brackets and an IPv6 zone `%eth0` allowed); null when it is not one. */
export function parseIp(text: string): IpBytes | null {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (bare.includes(":")) return parseIpv6(bare.replace(/%[A-Za-z0-9_.-]+$/, ""));
  return parseIpv4(bare);
}

function parseIpv4(text: string): IpBytes | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (const [i, part] of parts.entries()) {
    // Strict dotted decimal: no octal or hex forms (URL normalizes those before they reach here).
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return null;
    bytes[i] = Number(part);
  }
  return bytes;
}

function parseIpv6(text: string): IpBytes | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (half: string): number[] | null => {
    if (half === "") return [];
    const out: number[] = [];
    const pieces = half.split(":");
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIpv4(piece);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(piece)) out.push(Number.parseInt(piece, 16));
      else return null;
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  for (const [i, group] of groups.entries()) {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  }
  return bytes;
}

function inRange(bytes: IpBytes, range: Range): boolean {
  for (let bit = 0; bit < range.bits; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((bytes[byte]! & mask) !== ((range.prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}
