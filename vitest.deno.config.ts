import { defineConfig } from "vitest/config";

// The runtime-free suites again, under Deno: `deno run -A node_modules/vitest/vitest.mjs run -c
// vitest.deno.config.ts` (test/node/deno-suites.test.ts does it inside `npm test`). The same files as
// the `workers` and `engine` projects, in plain Deno with its WebCrypto and node:sqlite.
export default defineConfig({
  test: {
    name: "deno",
    environment: "node",
    include: ["test/core/**/*.test.ts", "test/engine/**/*.test.ts"],
    setupFiles: ["test/deno/runtime-check.ts"],
  },
});
