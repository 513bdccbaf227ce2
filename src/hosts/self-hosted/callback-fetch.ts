/**
 * The fetch completion callbacks go through on the self-hosted hosts (Node and Deno, both through
 * `node:http(s)`). A callback URL is the caller's choice, so before connecting this resolves its name
 * once, keeps only the addresses a callback may reach (src/security/callback-destination.ts) and
 * connects to the first of them: the socket's own lookup answers with that checked address, so no second
 * resolution can swap in another (DNS rebinding). TLS still verifies the certificate for the URL's name.
 */
import { Buffer } from "node:buffer";
import { lookup } from "node:dns/promises";
import { type IncomingMessage, request as httpRequest, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { parseIp } from "../../security/address";
import { addressAllowed, type CallbackDestinations, callbackUrlProblem } from "../../security/callback-destination";
import { BlockedAddressError } from "../../security/callback-failure";

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
    const candidates: ResolvedAddress[] = literal ? [{ address: host, family: literal.length === 4 ? 4 : 6 }] : await resolve(host);
    const pinned = candidates.find((candidate) => addressAllowed(candidate.address, options.destinations));
    if (!pinned) throw new BlockedAddressError();
    const body = init.body === undefined || init.body === null ? undefined : Buffer.from(await new Response(init.body).arrayBuffer());
    return send(url, host, pinned, init, body, options.ca);
  };
}

function send(url: URL, host: string, pinned: ResolvedAddress, init: RequestInit, body: Buffer | undefined, ca: string | undefined): Promise<Response> {
  const requestOptions: RequestOptions & { ca?: string } = {
    hostname: host,
    port: url.port === "" ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: init.method ?? "GET",
    headers: headersOf(init.headers),
    // A fresh connection per try, made to the checked address: the socket asks this lookup, not DNS.
    agent: false,
    lookup: (_hostname, lookupOptions, callback) => {
      if ((lookupOptions as { all?: boolean }).all) (callback as (e: null, a: ResolvedAddress[]) => void)(null, [pinned]);
      else (callback as (e: null, a: string, f: number) => void)(null, pinned.address, pinned.family);
    },
    ...(init.signal ? { signal: init.signal } : {}),
    ...(ca !== undefined ? { ca } : {}),
  };
  const open = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const request = open(requestOptions, (response) => {
      try {
        resolve(toResponse(response));
      } catch (error) {
        response.destroy();
        reject(error);
      }
    });
    request.once("error", reject);
    request.end(body);
  });
}

function headersOf(init: HeadersInit | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

const NO_BODY = new Set([101, 204, 205, 304]);

function toResponse(response: IncomingMessage): Response {
  const status = response.statusCode ?? 0;
  const headers = new Headers();
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) headers.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
  if (NO_BODY.has(status)) response.resume();
  const stream = NO_BODY.has(status) ? null : (Readable.toWeb(response) as unknown as ReadableStream<Uint8Array>);
  return new Response(stream, { status, statusText: response.statusMessage ?? "", headers });
}
