/**
 * The self-hosted callback fetch (src/hosts/self-hosted/callback-fetch.ts) against real sockets on this
 * machine: a name is resolved once, an address callbacks may not reach is never connected to, the
 * connection goes to the address that was checked (no second lookup), TLS still checks the URL's name
 * (a certificate made here with openssl), and whatever fails is reported as a class.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendCallback } from "../../src/engine/callback-sender.ts";
import { callbackFetch, type Resolve } from "../../src/hosts/self-hosted/callback-fetch.ts";
import { failureOfError, failureOfStatus } from "../../src/security/callback-failure.ts";

const STRICT = { allowLocal: false };
const LOCAL = { allowLocal: true };

interface Listener {
  server: Server;
  port: number;
  /** Connections accepted, and the requests' Host headers. */
  connections: number;
  hosts: string[];
}

async function listen(server: Server, answer: (req: IncomingMessage) => number | null): Promise<Listener> {
  const listener: Listener = { server, port: 0, connections: 0, hosts: [] };
  server.on("connection", (_socket: Socket) => {
    listener.connections += 1;
  });
  server.on("request", (req: IncomingMessage, res) => {
    listener.hosts.push(req.headers.host ?? "");
    req.resume();
    const status = answer(req);
    if (status === null) return; // never answers
    res.writeHead(status, status === 302 ? { location: "http://127.0.0.1:1/elsewhere" } : {}).end("receiver text");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  listener.port = (server.address() as AddressInfo).port;
  return listener;
}

/** A resolver that records the names asked and answers each from `answers` in turn. */
function resolver(...answers: string[][]): Resolve & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const addresses = answers[Math.min(asked.length, answers.length) - 1] ?? [];
    return addresses.map((address) => ({ address, family: address.includes(":") ? (6 as const) : (4 as const) }));
  };
  return Object.assign(resolve, { asked });
}

const post = (fetchFn: typeof fetch, url: string, init: RequestInit = {}) =>
  fetchFn(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"a":1}',
    redirect: "manual",
    ...init,
  });

let temp: string;
let plain: Listener;
let tls: Listener;
let silent: Listener;
let ca: string;

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), "alipay-relay-callback-fetch-"));
  const key = join(temp, "key.pem");
  const cert = join(temp, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=callback.test",
      "-addext",
      "subjectAltName=DNS:callback.test",
    ],
    { stdio: "ignore" },
  );
  ca = readFileSync(cert, "utf8");
  plain = await listen(createHttpServer(), (req) => (req.url === "/moved" ? 302 : req.url === "/fail" ? 503 : 204));
  tls = await listen(createHttpsServer({ key: readFileSync(key), cert: ca }), () => 201);
  silent = await listen(createHttpServer(), () => null);
});

afterAll(() => {
  for (const listener of [plain, tls, silent]) {
    listener?.server.closeAllConnections();
    listener?.server.close();
  }
  rmSync(temp, { recursive: true, force: true });
});

describe("addresses a callback may not reach", () => {
  it("a name that resolves to loopback is refused without connecting", async () => {
    const resolve = resolver(["127.0.0.1"]);
    const before = plain.connections;
    const error = await post(
      callbackFetch({ destinations: STRICT, resolve }),
      `https://callback.test:${plain.port}/done`,
    ).catch((e: unknown) => e);
    expect(failureOfError(error)).toBe("blocked-address");
    expect(resolve.asked).toEqual(["callback.test"]);
    expect(plain.connections).toBe(before);
  });

  it.each([
    [["169.254.169.254"]],
    [["10.0.0.1", "192.168.1.1"]],
    [["fd00::1"]],
    [["::ffff:a9fe:a9fe"]],
    [["0.0.0.0"]],
    [["100.64.0.1", "fe80::1"]],
    [[]],
  ])("a name resolving only to %j is refused", async (addresses) => {
    const error = await post(
      callbackFetch({ destinations: STRICT, resolve: resolver(addresses) }),
      "https://hooks.shop.example/done",
    ).catch((e: unknown) => e);
    expect(failureOfError(error)).toBe("blocked-address");
  });

  it("an address literal and an http URL are refused without asking DNS (the settings may have changed since the submit)", async () => {
    const resolve = resolver(["8.8.8.8"]);
    for (const url of [
      `https://127.0.0.1:${plain.port}/`,
      `https://[::1]:${plain.port}/`,
      `http://callback.test:${plain.port}/`,
    ]) {
      const error = await post(callbackFetch({ destinations: STRICT, resolve }), url).catch((e: unknown) => e);
      expect(failureOfError(error), url).toBe("blocked-address");
    }
    const listed = { allowLocal: true, hosts: ["hooks.shop.example"] };
    expect(
      failureOfError(
        await post(callbackFetch({ destinations: listed, resolve }), `http://callback.test:${plain.port}/`).catch(
          (e: unknown) => e,
        ),
      ),
    ).toBe("blocked-address");
    expect(resolve.asked).toEqual([]);
  });
});

describe("the connection goes to the address that was checked", () => {
  it("resolves once and connects there: the name's second answer (another address) is never asked for", async () => {
    // 127.0.0.2 reaches no listener (the receiver listens on 127.0.0.1 only): a second lookup would fail.
    const resolve = resolver(["127.0.0.1"], ["127.0.0.2"]);
    const res = await post(callbackFetch({ destinations: LOCAL, resolve }), `http://callback.test:${plain.port}/done`);
    expect(res.status).toBe(204);
    expect(resolve.asked).toEqual(["callback.test"]);
    expect(plain.hosts.at(-1)).toBe(`callback.test:${plain.port}`);
  });

  it("skips refused addresses and connects to the first allowed one", async () => {
    const allowLoopbackOnly = { allowLocal: true };
    const res = await post(
      callbackFetch({ destinations: allowLoopbackOnly, resolve: resolver(["127.0.0.1", "127.0.0.2"]) }),
      `http://callback.test:${plain.port}/`,
    );
    expect(res.status).toBe(204);
  });

  it("TLS checks the certificate against the URL's name, not the address", async () => {
    const resolve = resolver(["127.0.0.1"]);
    const res = await post(
      callbackFetch({ destinations: LOCAL, resolve, ca }),
      `https://callback.test:${tls.port}/done`,
    );
    expect(res.status).toBe(201);
    expect(await res.text()).toBe("receiver text");
    const wrongName = await post(
      callbackFetch({ destinations: LOCAL, resolve, ca }),
      `https://other.test:${tls.port}/done`,
    ).catch((e: unknown) => e);
    expect(failureOfError(wrongName)).toBe("tls");
    const untrusted = await post(
      callbackFetch({ destinations: LOCAL, resolve }),
      `https://callback.test:${tls.port}/done`,
    ).catch((e: unknown) => e);
    expect(failureOfError(untrusted)).toBe("tls");
  });
});

describe("what a try reports", () => {
  const fetchFn = () => callbackFetch({ destinations: LOCAL, resolve: resolver(["127.0.0.1"]) });

  it("a redirect is answered, not followed; a 5xx is a 5xx", async () => {
    const before = plain.hosts.length;
    const moved = await post(fetchFn(), `http://callback.test:${plain.port}/moved`);
    expect(failureOfStatus(moved.status)).toBe("redirect");
    expect(plain.hosts.length).toBe(before + 1);
    expect(failureOfStatus((await post(fetchFn(), `http://callback.test:${plain.port}/fail`)).status)).toBe("http-5xx");
  });

  it("a closed port is `refused`, a receiver that never answers is `timeout`", async () => {
    const closed = createHttpServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(failureOfError(await post(fetchFn(), `http://callback.test:${port}/`).catch((e: unknown) => e))).toBe(
      "refused",
    );
    const hung = await post(fetchFn(), `http://callback.test:${silent.port}/`, {
      signal: AbortSignal.timeout(300),
    }).catch((e: unknown) => e);
    expect(failureOfError(hung)).toBe("timeout");
  });

  it("through the callback sender: a blocked name ends the try as `blocked-address`, nothing else said", async () => {
    const secret = new TextEncoder().encode("callback-secret-0123456789");
    const task = {
      jobId: "job_x",
      owner: "caller:shop",
      attempt: 1,
      webhookId: "msg_1",
      url: "https://intranet.corp/hook",
      body: "{}",
    };
    const report = await sendCallback(
      task,
      [secret],
      callbackFetch({ destinations: STRICT, resolve: resolver(["10.1.2.3"]) }),
      Date.now,
    );
    expect(report).toMatchObject({ delivered: false, error: "blocked-address" });
  });
});
