/**
 * The typed client's generated and built files are committed, so they must be what the sources give
 * now: the types from the relay's OpenAPI document (`npm run build:client` regenerates them), and
 * dist/client from src/client. The package exports the build as `alipay-notify-relay/client`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLIENT_TYPES_PATH, clientTypesSource } from "../../scripts/client-types.ts";

const root = new URL("../../", import.meta.url).pathname;
const FIX = "run `npm run build:client` and commit the result";

describe("the typed client's committed files are current", () => {
  it(`${CLIENT_TYPES_PATH} is what openapi-typescript makes of today's OpenAPI document (${FIX})`, async () => {
    expect(readFileSync(join(root, CLIENT_TYPES_PATH), "utf8")).toBe(await clientTypesSource());
  }, 60_000);

  it(`dist/client is what tsc builds from src/client (${FIX})`, () => {
    const out = mkdtempSync(join(tmpdir(), "relay-client-build-"));
    try {
      execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.client.json", "--outDir", out], {
        cwd: root,
        stdio: "pipe",
      });
      const built = readdirSync(out).sort();
      expect(readdirSync(join(root, "dist/client")).sort()).toEqual(built);
      for (const file of built)
        expect(readFileSync(join(root, "dist/client", file), "utf8"), file).toBe(readFileSync(join(out, file), "utf8"));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  it("the package exports it as alipay-notify-relay/client, importable by name from plain Node", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      exports: Record<string, { types: string; default: string }>;
    };
    expect(pkg.exports["./client"]).toEqual({ types: "./dist/client/index.d.ts", default: "./dist/client/index.js" });
    // A self-reference by package name, as a dependent project would import it; nothing but the build is loaded.
    const script = 'const c = await import("alipay-notify-relay/client"); console.log(Object.keys(c).sort().join(","))';
    const names = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: root,
      encoding: "utf8",
    }).trim();
    expect(names.split(",")).toEqual(
      expect.arrayContaining([
        "RelayClient",
        "createRelayClient",
        "verifyCallback",
        "RelayProblemError",
        "RelayNetworkError",
        "RelayWaitTimeoutError",
        "CallbackVerificationError",
      ]),
    );
  });
});
