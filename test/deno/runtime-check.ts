// Proves the suite runs inside Deno, not a Node that vitest happened to find.
if (!("Deno" in globalThis)) throw new Error("vitest.deno.config.ts must run under Deno (npm run test:deno)");
