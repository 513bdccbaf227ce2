/**
 * The self-hosted gateway fetch (src/hosts/self-hosted/http-fetch.ts) against a real socket: it sends what
 * `fetch` would (method, path and query, headers, a body with its length, not chunked), answers with the
 * status, headers and body as they came, keeps one connection alive across sequential requests, follows no
 * redirect, and stops on an abort.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayFetch } from "../../src/hosts/self-hosted/http-fetch.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let connections = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      if (req.url?.startsWith("/hang")) return; // never answers
      if (req.url?.startsWith("/moved")) {
        res.writeHead(302, { location: "/elsewhere" }).end();
        return;
      }
      if (req.url?.startsWith("/empty")) {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(200, {
        "content-type": "application/json; charset=UTF-8",
        "response-time": "2026-12-04T12:00:00+08:00",
        signature: "algorithm=RSA256,keyVersion=1,signature=abc",
      });
      res.end(JSON.stringify({ result: { resultStatus: "S", echo: chunks.length > 0 ? "body" : "none" } }));
    });
  });
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("gatewayFetch", () => {
  it("sends the method, path, query, headers and a body of known length, and answers as fetch would", async () => {
    const fetchFn = gatewayFetch();
    const body = JSON.stringify({ notifications: ["é", "中文"] });
    const response = await fetchFn(`${base}/ams/api/v1/users/notifications/push?x=1`, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=UTF-8",
        "client-id": "TEST_CLIENT",
        signature: "algorithm=RSA256,keyVersion=1,signature=xyz",
      },
      body,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("response-time")).toBe("2026-12-04T12:00:00+08:00");
    expect(response.headers.get("signature")).toBe("algorithm=RSA256,keyVersion=1,signature=abc");
    expect(await response.json()).toEqual({ result: { resultStatus: "S", echo: "body" } });
    const request = seen.at(-1)!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/ams/api/v1/users/notifications/push?x=1");
    expect(request.headers["client-id"]).toBe("TEST_CLIENT");
    expect(request.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(request.headers["transfer-encoding"]).toBeUndefined();
    expect(request.body).toBe(body);
  });

  it("keeps one connection alive across sequential requests", async () => {
    const fetchFn = gatewayFetch();
    const before = connections;
    for (let i = 0; i < 5; i += 1) {
      const response = await fetchFn(`${base}/ping-${i}`, { method: "POST", body: "{}" });
      await response.text();
      expect(response.status).toBe(200);
    }
    expect(connections - before).toBe(1);
  });

  it("answers a redirect as it is, and a 204 with no body", async () => {
    const fetchFn = gatewayFetch();
    const moved = await fetchFn(`${base}/moved`, { method: "POST", body: "{}" });
    expect(moved.status).toBe(302);
    expect(moved.headers.get("location")).toBe("/elsewhere");
    await moved.text();
    const empty = await fetchFn(`${base}/empty`, { method: "POST", body: "{}" });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    expect(seen.some((request) => request.url === "/elsewhere")).toBe(false);
  });

  it("rejects when its signal aborts, and refuses a protocol it does not speak", async () => {
    const fetchFn = gatewayFetch();
    const controller = new AbortController();
    const pending = fetchFn(`${base}/hang`, { method: "POST", body: "{}", signal: controller.signal });
    const arrived = seen.length;
    while (seen.length === arrived) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    await expect(fetchFn("ftp://127.0.0.1/x")).rejects.toThrow(TypeError);
  });
});
