/**
 * `fetch` over `node:http(s)` for the self-hosted hosts (Node and Deno both provide these modules). The
 * relay's sends go through `gatewayFetch`: kept-alive connections, and about half the CPU of Node's
 * built-in fetch per request, whose body it streams chunk by chunk. Callbacks go through
 * callback-fetch.ts, which pins each connection to a checked address on top of `requestOver`.
 */
import { Buffer } from "node:buffer";
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest, type RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { Readable } from "node:stream";

/** How one request connects: its agent (false: a fresh connection), a fixed lookup, an extra trusted CA. */
export interface Connection {
  agent: HttpAgent | false;
  lookup?: RequestOptions["lookup"];
  /** An extra trusted certificate authority, PEM (https only). */
  ca?: string;
}

/**
 * Sends `init` to `url` as `fetch` would, over `connection`; never follows a redirect (a 3xx is answered
 * as it is). The answer's body streams.
 */
export async function requestOver(url: URL, init: RequestInit, connection: Connection): Promise<Response> {
  const body = await bodyOf(init.body);
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const options: RequestOptions & { ca?: string } = {
    hostname: host,
    port: url.port === "" ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: init.method ?? "GET",
    headers: headersOf(init.headers, body),
    agent: connection.agent,
    ...(connection.lookup ? { lookup: connection.lookup } : {}),
    ...(init.signal ? { signal: init.signal } : {}),
    ...(connection.ca !== undefined ? { ca: connection.ca } : {}),
  };
  const open = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const request = open(options, (response) => {
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

/** The fetch AlipayHK's requests go through: kept-alive connections, one pool per protocol. */
export function gatewayFetch(): typeof fetch {
  const agents = { "http:": new HttpAgent({ keepAlive: true }), "https:": new HttpsAgent({ keepAlive: true }) };
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const agent = url.protocol === "https:" ? agents["https:"] : url.protocol === "http:" ? agents["http:"] : undefined;
    if (!agent) throw new TypeError(`unsupported protocol ${url.protocol}`);
    return requestOver(url, init, { agent });
  };
}

async function bodyOf(body: RequestInit["body"]): Promise<string | Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  return Buffer.from(await new Response(body).arrayBuffer());
}

function headersOf(init: HeadersInit | undefined, body: string | Buffer | undefined): Record<string, string | number> {
  const headers: Record<string, string | number> = {};
  new Headers(init).forEach((value, name) => {
    headers[name] = value;
  });
  // A known length, as fetch sends it, rather than a chunked body.
  if (body !== undefined && headers["content-length"] === undefined)
    headers["content-length"] = Buffer.byteLength(body);
  return headers;
}

const NO_BODY = new Set([101, 204, 205, 304]);

function toResponse(response: IncomingMessage): Response {
  const status = response.statusCode ?? 0;
  const headers = new Headers();
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2)
    headers.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
  if (NO_BODY.has(status)) response.resume();
  const stream = NO_BODY.has(status) ? null : (Readable.toWeb(response) as unknown as ReadableStream<Uint8Array>);
  return new Response(stream, { status, statusText: response.statusMessage ?? "", headers });
}
