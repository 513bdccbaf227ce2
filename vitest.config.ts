import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ALIPAY_MAX_RPS: "20",
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
  },
});
