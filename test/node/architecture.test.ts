/**
 * The code's shape, as docs/architecture.md describes it, checked on the source itself: one place sets
 * the Durable Object's alarm, the object stays a thin host, the web layer never reaches a Workers binding
 * for its dispatcher, `src/engine/decide` stays pure (no SQL, no clock, no I/O), and no import cycle
 * runs through `src/`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SRC = join(ROOT, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

const files = sourceFiles(SRC);
const text = new Map(files.map((file) => [file, readFileSync(file, "utf8")]));
const rel = (file: string) => relative(ROOT, file);
/** Lines of code, comments left out. */
const code = (file: string) =>
  (text.get(file) ?? "")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .filter((line) => !line.trim().startsWith("//"));

/** The relative imports of a file, resolved to files: value imports, or type imports too. */
function importsOf(file: string, withTypes = true): string[] {
  const found: string[] = [];
  for (const match of (text.get(file) ?? "").matchAll(
    /(?:^|\n)\s*(?:import|export)\s(type\s)?[^;]*?from\s+"(\.[^"]+)"/g,
  )) {
    if (match[1] && !withTypes) continue;
    const base = resolve(dirname(file), match[2] as string);
    const target = [base, `${base}.ts`, join(base, "index.ts")].find((candidate) => text.has(candidate));
    if (target) found.push(target);
  }
  return found;
}

/** The first import cycle found, as a list of files, or null. */
function findCycle(): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | null => {
    state.set(file, "open");
    stack.push(file);
    for (const next of importsOf(file)) {
      if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(file, "done");
    return null;
  };
  for (const file of files) {
    if (state.has(file)) continue;
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return null;
}

describe("the code's shape", () => {
  it("sets the Durable Object's alarm in one place", () => {
    const calls = files.flatMap((file) =>
      code(file)
        .filter((line) => line.includes("setAlarm("))
        .map((line) => `${rel(file)}: ${line.trim()}`),
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^src\/hosts\/cloudflare\/dispatcher\.ts:/);
  });

  it("keeps the Durable Object class a thin host of at most 80 lines", () => {
    const lines = (text.get(join(SRC, "hosts/cloudflare/dispatcher.ts")) ?? "").split("\n");
    const start = lines.findIndex((line) => line.startsWith("export class Dispatcher "));
    const end = lines.findIndex((line, i) => i > start && line === "}");
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end - start + 1).toBeLessThanOrEqual(80);
  });

  it("gives the web layer its dispatcher through the context, never a Workers binding", () => {
    const http = files.filter((file) => rel(file).startsWith("src/http/"));
    expect(http.length).toBeGreaterThan(10);
    const offending = files.filter((file) => /as unknown as Env\b/.test(text.get(file) ?? "")).map(rel);
    offending.push(...http.filter((file) => /getByName\(|env\.DISPATCHER/.test(text.get(file) ?? "")).map(rel));
    expect(offending).toEqual([]);
  });

  it("keeps src/engine/decide pure: no SQL, no clock, no I/O; code only from decide/ and core/, shapes from the engine", () => {
    const decide = files.filter((file) => rel(file).startsWith("src/engine/decide/"));
    expect(decide.length).toBeGreaterThan(5);
    const impure = decide.flatMap((file) =>
      code(file)
        .filter((line) =>
          /\bDate\.now\(|\bperformance\.now\(|\bfetch\(|\.exec\(|setTimeout\(|crypto\.getRandomValues|Math\.random\(/.test(
            line,
          ),
        )
        .map((line) => `${rel(file)}: ${line.trim()}`),
    );
    const pure = (target: string) =>
      rel(target).startsWith("src/engine/decide/") || rel(target).startsWith("src/core/");
    const reaching = decide.flatMap((file) => [
      ...importsOf(file, false)
        .filter((target) => !pure(target))
        .map((target) => `${rel(file)} -> ${rel(target)}`),
      ...importsOf(file)
        .filter((target) => /^src\/(engine\/store|hosts|http)\//.test(rel(target)))
        .map((target) => `${rel(file)} -> ${rel(target)} (type)`),
    ]);
    expect([...impure, ...reaching]).toEqual([]);
  });

  it("has no import cycle in src/", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(findCycle()).toBeNull();
  });
});
