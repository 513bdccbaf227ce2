/**
 * The bench's bundle phase reports the typed client's size as a caller ships it: dist/client bundled and
 * minified, with nothing from a package inside (the client needs only fetch). Measured here as the bench
 * measures it; the Worker's own bundle (a wrangler dry run) is the bench's alone.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { measureClient } from "../../bench/bundle.ts";
import { clientRow } from "../../bench/report.ts";

const root = new URL("../../", import.meta.url).pathname;

describe("the typed client's size in the bench", () => {
  it("is the minified bundle of dist/client's own files, with no package in it", async () => {
    const c = measureClient();
    const own = readdirSync(`${root}dist/client`)
      .filter((f) => f.endsWith(".js"))
      .map((f) => `dist/client/${f}`);
    expect(c.inputs).toContain("dist/client/index.js");
    expect(
      c.inputs.every((file) => own.includes(file)),
      c.inputs.join(", "),
    ).toBe(true);
    expect(c.packages).toEqual([]);
    expect(c.gzipBytes).toBeGreaterThan(0);
    expect(c.gzipBytes).toBeLessThan(c.rawBytes);
    // The bundle is a module that exports what the package exports.
    const { buildSync } = await import("esbuild");
    const code = buildSync({
      entryPoints: [`${root}dist/client/index.js`],
      bundle: true,
      minify: true,
      format: "esm",
      platform: "neutral",
      write: false,
    }).outputFiles[0]!.contents;
    expect(code.byteLength).toBe(c.rawBytes);
    const url = `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`;
    const bundled = (await import(url)) as Record<string, unknown>;
    expect(Object.keys(bundled).sort()).toEqual(Object.keys(await import("../../dist/client/index.js")).sort());
  });

  it("its row says the size, and fails when a package slips into the bundle", () => {
    const clean = clientRow({ rawBytes: 20_480, gzipBytes: 6_144, inputs: ["dist/client/index.js"], packages: [] });
    expect(clean).toMatchObject({ figure: "20.0 KiB / 6.0 KiB", met: true });
    const heavy = clientRow({
      rawBytes: 90_000,
      gzipBytes: 30_000,
      inputs: ["dist/client/index.js", "node_modules/zod/index.js"],
      packages: ["node_modules/zod/index.js"],
    });
    expect(heavy.met).toBe(false);
    expect(heavy.measure).toContain("1 from packages");
  });
});
