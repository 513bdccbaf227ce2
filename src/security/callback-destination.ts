/**
 * Where a completion callback may go. Checked twice: at submit on the URL as written (every host), and,
 * on the self-hosted hosts, on every address its name resolves to, right before connecting to the one
 * that passed (src/hosts/self-hosted/callback-fetch.ts).
 */
import { type AddressClass, classifyAddress } from "./address";

/** The operator's callback settings (RELAY_CALLBACK_ALLOW_LOCAL, RELAY_CALLBACK_HOSTS). */
export interface CallbackDestinations {
  /** `http:` and loopback, private and other special-use addresses allowed: local runs and tests only. */
  allowLocal: boolean;
  /** Host patterns (`host`, `*.domain`) a callback may name; undefined: any host. */
  hosts?: readonly string[] | undefined;
}

/** Why the URL `text` may not receive callbacks (a phrase for the submit's error list), or null. */
export function callbackUrlProblem(text: string, destinations: CallbackDestinations): string | null {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url) return "must be an absolute URL";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && destinations.allowLocal)) {
    return destinations.allowLocal ? "must use https or http" : "must use https";
  }
  if (url.username !== "" || url.password !== "") return "must not contain a user name or password";
  const host = url.hostname;
  if (destinations.hosts && !destinations.hosts.some((pattern) => hostMatches(host, pattern))) {
    return "names a host this relay does not send callbacks to (RELAY_CALLBACK_HOSTS)";
  }
  if (!destinations.allowLocal) {
    const kind = addressClassOfHost(host);
    if (kind !== "public") return `must not point to ${describe(kind)} address`;
  }
  return null;
}

/** True when an address a callback's name resolved to may be connected to. */
export function addressAllowed(address: string, destinations: CallbackDestinations): boolean {
  if (destinations.allowLocal) return true;
  return classifyAddress(address) === "public";
}

/** True when `host` (as `URL.hostname` writes it) matches `pattern`: the host itself, or `*.domain`. */
export function hostMatches(host: string, pattern: string): boolean {
  const name = host.replace(/\.$/, "");
  if (pattern.startsWith("*.")) return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
  return name === pattern;
}

// A name is only known to be public once resolved; `localhost` names are loopback by definition (RFC 6761).
function addressClassOfHost(host: string): AddressClass {
  const name = host.replace(/\.$/, "").toLowerCase();
  if (name === "localhost" || name.endsWith(".localhost")) return "loopback";
  return classifyAddress(host) ?? "public";
}

function describe(kind: AddressClass): string {
  const text: Record<Exclude<AddressClass, "public">, string> = {
    unspecified: "an unspecified",
    "this-network": "a this-network (0.0.0.0/8)",
    loopback: "a loopback",
    private: "a private (RFC 1918)",
    shared: "a shared (CGNAT, 100.64.0.0/10)",
    "link-local": "a link-local",
    "unique-local": "a unique-local (fc00::/7)",
    "site-local": "a site-local",
    multicast: "a multicast",
    broadcast: "a broadcast",
    documentation: "a documentation",
    benchmarking: "a benchmarking",
    "ipv4-mapped": "an IPv4-mapped IPv6",
    "ipv4-compatible": "an IPv4-compatible IPv6",
    "ipv4-translated": "a NAT64",
    "ipv4-tunnel": "a 6to4 or Teredo",
    discard: "a discard-only",
    reserved: "a reserved",
  };
  return text[kind as Exclude<AddressClass, "public">];
}
