// Setup file of vitest.deno.config.ts: proves the suite runs inside Deno, not a Node that vitest happened
// to find. test/node/deno-suites.test.ts starts that run with the deno binary from node_modules.
if (!("Deno" in globalThis)) {
  throw new Error(
    "vitest.deno.config.ts must run under Deno: `npx deno run -A node_modules/vitest/vitest.mjs run -c vitest.deno.config.ts` (test/node/deno-suites.test.ts does it inside `npm test`)",
  );
}
