/**
 * The fetch completion callbacks go through on the self-hosted hosts (Node and Deno, both through
 * `node:http(s)`, http-fetch.ts). A callback URL is the caller's choice, so before connecting this resolves its name
 * once, keeps only the addresses a callback may reach (src/security/callback-destination.ts) and
 * connects to the first of them: the socket's own lookup answers with that checked address, so no second
 * resolution can swap in another (DNS rebinding). TLS still verifies the certificate for the URL's name.
 */
import { lookup } from "node:dns/promises";
import { parseIp } from "../../security/address";
import { addressAllowed, type CallbackDestinations, callbackUrlProblem } from "../../security/callback-destination";
import { BlockedAddressError } from "../../security/callback-failure";
import { requestOver } from "./http-fetch";

/** One address a name resolved to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

/** Where callbacks may go, and (for tests) how names resolve and which extra CA is trusted. */
export interface CallbackFetchOptions {
  destinations: CallbackDestinations;
  /** Default: the system resolver (getaddrinfo), as the runtime's own fetch would use. */
  resolve?: Resolve;
  /** An extra trusted certificate authority, PEM. */
  ca?: string;
}

const systemResolve: Resolve = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({
    address,
    family: family === 6 ? 6 : 4,
  }));

/**
 * A `fetch` for callbacks: POSTs as `fetch` would, but only to an address the destinations allow, and
 * never follows a redirect. A name with no such address rejects with `BlockedAddressError`.
 */
export function callbackFetch(options: CallbackFetchOptions): typeof fetch {
  const resolve = options.resolve ?? systemResolve;
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    // Checked again here: the settings may have been tightened since the job was accepted.
    if (callbackUrlProblem(url.href, options.destinations) !== null) throw new BlockedAddressError();
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const literal = parseIp(host);
    const candidates: ResolvedAddress[] = literal
      ? [{ address: host, family: literal.length === 4 ? 4 : 6 }]
      : await resolve(host);
    const pinned = candidates.find((candidate) => addressAllowed(candidate.address, options.destinations));
    if (!pinned) throw new BlockedAddressError();
    // A fresh connection per try, made to the checked address: the socket asks this lookup, not DNS.
    return requestOver(url, init, {
      agent: false,
      lookup: (_hostname, lookupOptions, callback) => {
        if ((lookupOptions as { all?: boolean }).all)
          (callback as (e: null, a: ResolvedAddress[]) => void)(null, [pinned]);
        else (callback as (e: null, a: string, f: number) => void)(null, pinned.address, pinned.family);
      },
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
    });
  };
}
