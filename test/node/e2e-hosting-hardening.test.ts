/**
 * End to end, real processes: the operator pages are served with the same protections on every host
 * (workerd under wrangler dev, and self-hosted on Node and on Deno): `/dashboard` answers with the
 * headers of public/_headers (its Content-Security-Policy among them), `/dashboard.html` redirects to it,
 * `/_headers` is not a file; `/openapi.json` and `/docs`, written at build time, are the document the
 * routes give and its page. Self-hosted, the data directory is the relay's alone (0700, its databases
 * 0600), Deno runs with its permissions scoped to that directory, `public/` and the settings' names, and
 * a completion callback to a name that resolves inside (this machine's own name) is never connected to.
 */
import { lookup } from "node:dns/promises";
import { readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_SOURCES, PROJECT_ROOT } from "../../dev/local-run.ts";
import { makeNotifications } from "../../dev/relay-client.ts";
import { pages } from "../../scripts/build-pages.ts";
import { classifyAddress } from "../../src/security/address.ts";
import { type E2eRun, startE2eRun } from "./e2e-helpers.ts";

/** The headers public/_headers sets for every path (its `/*` rule), read here without the relay's parser. */
function headersFile(): [string, string][] {
  const lines = readFileSync(join(PROJECT_ROOT, "public", "_headers"), "utf8").split("\n");
  const start = lines.findIndex((line) => line.trim() === "/*");
  const pairs: [string, string][] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s+\S/.test(line)) break;
    const [name, ...value] = line.trim().split(":");
    pairs.push([name!.trim().toLowerCase(), value.join(":").trim()]);
  }
  return pairs;
}

describe.each(["workerd", "node", "deno"] as const)("the relay on %s", (runtime) => {
  let e2e: E2eRun | undefined;
  let base: string;

  beforeAll(async () => {
    // Callbacks as in production: https, public addresses only (a local run allows more by default).
    e2e = await startE2eRun({ runtime, vars: { RELAY_CALLBACK_ALLOW_LOCAL: "false" } });
    base = e2e.run.relayUrl;
  }, 90_000);

  afterAll(() => e2e?.stop(), 30_000);

  it("serves /dashboard with every header of public/_headers; /dashboard.html redirects there; /_headers is no file", async () => {
    const expected = headersFile();
    expect(expected.map(([name]) => name)).toContain("content-security-policy");
    for (const path of ["/dashboard", "/assets/relay.css", "/assets/dashboard.js"]) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(200);
      for (const [name, value] of expected) expect(res.headers.get(name), `${name} on ${path}`).toBe(value);
      await res.arrayBuffer();
    }
    expect((await fetch(`${base}/dashboard`)).headers.get("content-type")).toMatch(/^text\/html/);
    const moved = await fetch(`${base}/dashboard.html`, { redirect: "manual" });
    expect(moved.status).toBe(307);
    expect(new URL(moved.headers.get("location")!, base).pathname).toBe("/dashboard");
    const config = await fetch(`${base}/_headers`);
    expect(config.status).toBe(404);
    expect(await config.text()).not.toContain("Content-Security-Policy");
  });

  it("serves /openapi.json (the document the routes give, for any origin) and /docs (with the same CSP), both files", async () => {
    const document = await fetch(`${base}/openapi.json`);
    expect(document.status).toBe(200);
    expect(document.headers.get("content-type")).toMatch(/^application\/json/);
    expect(document.headers.get("access-control-allow-origin")).toBe("*");
    expect(await document.json()).toEqual(JSON.parse(pages()["openapi.json"]));
    const reference = await fetch(`${base}/docs`);
    expect(reference.status).toBe(200);
    expect(reference.headers.get("content-type")).toMatch(/^text\/html/);
    expect(reference.headers.get("content-security-policy")).toBe(
      new Map(headersFile()).get("content-security-policy"),
    );
    expect(await reference.text()).toContain('<code class="path">/v1/notifications</code>');
  });

  if (runtime !== "workerd")
    it("keeps its data directory to itself: the directory 0700, databases and lock 0600", async () => {
      const dir = e2e!.run.persistTo;
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      for (const file of [
        "outbox.sqlite",
        "outbox.sqlite-wal",
        "outbox.sqlite-shm",
        "relay.lock",
        "relay.lock-wal",
        "relay.lock-shm",
      ]) {
        expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
      }
    });

  if (runtime !== "workerd")
    it("never connects a callback to a name that resolves inside: the job says blocked-address", async () => {
      // This machine's own name passes the submit's check (a name, not an address) and resolves to itself.
      const name = hostname();
      const addresses = await lookup(name, { all: true });
      expect(
        addresses.filter((a) => classifyAddress(a.address) === "public"),
        `${name} must resolve inside`,
      ).toEqual([]);
      let connections = 0;
      const receiver = createServer((_req, res) => res.writeHead(204).end()).on("connection", () => connections++);
      await new Promise<void>((resolve) => receiver.listen(0, resolve));
      try {
        const { port } = receiver.address() as AddressInfo;
        const headers = { authorization: `Bearer ${e2e!.run.apiKey}`, "content-type": "application/json" };
        const body = JSON.stringify({
          callbackUrl: `https://${name}:${port}/done`,
          notifications: makeNotifications("cb", 1),
        });
        const submitted = await fetch(`${base}/v1/notifications`, { method: "POST", headers, body });
        expect(submitted.status).toBe(202);
        const { jobId } = (await submitted.json()) as { jobId: string };
        let callback: { attempts: number; lastError: string | null } | undefined;
        for (let i = 0; i < 200 && !(callback && callback.attempts > 0); i++) {
          await new Promise((r) => setTimeout(r, 100));
          callback = (
            (await (await fetch(`${base}/v1/notifications/${jobId}`, { headers })).json()) as {
              callback: typeof callback;
            }
          ).callback;
        }
        expect(callback).toMatchObject({ attempts: 1, lastError: "blocked-address" });
        expect(connections).toBe(0);
      } finally {
        receiver.close();
      }
    });

  if (runtime === "deno")
    it("runs Deno with permissions scoped to the data directory, public/ and the settings' names", async () => {
      const args = readFileSync(`/proc/${e2e!.run.relayPid()}/cmdline`, "utf8").split("\0");
      const flag = (name: string) => args.find((arg) => arg === name || arg.startsWith(`${name}=`));
      expect(args).not.toContain("-A");
      expect(flag("--allow-all")).toBeUndefined();
      // The local run declares the example storefront sources (a file): Deno may read it, and the two
      // settings it names for their secrets.
      expect(flag("--allow-read")).toBe(
        `--allow-read=${e2e!.run.persistTo},${join(PROJECT_ROOT, "public")},${EXAMPLE_SOURCES}`,
      );
      expect(flag("--allow-write")).toBe(`--allow-write=${e2e!.run.persistTo}`);
      const env = flag("--allow-env")!.slice("--allow-env=".length).split(",");
      expect(env).toEqual(
        expect.arrayContaining(["ALIPAY_PRIVATE_KEY", "RELAY_API_KEYS", "RELAY_DATA_DIR", "PORT", "HOST"]),
      );
      const sourceSecrets = ["SHOPIFY_WEBHOOK_SECRET", "STRIPE_WEBHOOK_SECRET"];
      expect(env).toEqual(expect.arrayContaining(sourceSecrets));
      expect(
        env.every((name) => /^(ALIPAY|RELAY)_[A-Z0-9_]+$|^(PORT|HOST)$/.test(name) || sourceSecrets.includes(name)),
      ).toBe(true);
      // And the relay works under them: it reads its settings, its files and its outbox.
      const res = await fetch(`${e2e!.run.relayUrl}/v1/status`, {
        headers: { authorization: `Bearer ${e2e!.run.adminKey}` },
      });
      expect(res.status).toBe(200);
    });
});
