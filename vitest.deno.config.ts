import { defineConfig } from "vitest/config";

// The runtime-free suites, and what the self-hosted hosts share on node: modules, again under Deno:
// `deno run -A node_modules/vitest/vitest.mjs run -c vitest.deno.config.ts` (test/node/deno-suites.test.ts
// does it inside `npm test`). The same files as the `workers`, `engine` and `node` projects, in plain
// Deno with its WebCrypto, node:sqlite and node:https.
export default defineConfig({
  test: {
    name: "deno",
    environment: "node",
    include: ["test/core/**/*.test.ts", "test/engine/**/*.test.ts", "test/self-hosted/**/*.test.ts"],
    setupFiles: ["test/deno/runtime-check.ts"],
  },
});
