import { readFileSync } from "node:fs";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const fixture = (name: string): string => readFileSync(new URL(`./test/fixtures/crypto/${name}`, import.meta.url), "utf8");

// The relay under test talks to an in-test AlipayHK gateway (test/support/gateway.ts) signed with the
// committed TEST-ONLY keys; nothing leaves the process.
const testBindings = {
  ALIPAY_GATEWAY_URL: "https://gateway.test/api/alipay/intl/user/inform/delegateSendNotification.htm",
  ALIPAY_CLIENT_ID: "211020000000000000044",
  ALIPAY_MERCHANT_ID: "2160400000000177",
  ALIPAY_PRIVATE_KEY: fixture("merchant-pkcs1.pem"),
  ALIPAY_PUBLIC_KEY: fixture("alipay-spki.pem"),
  ALIPAY_SIGN_ALGORITHM: "RSA",
  ALIPAY_MAX_RPS: "20",
  RELAY_API_KEYS: "test-key-alpha-0123456789,test-key-bravo-0123456789",
  RELAY_ADMIN_KEYS: "test-admin-key-0123456789",
  RELAY_METRICS_KEYS: "test-metrics-key-0123456789",
  RELAY_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  RELAY_CALLBACK_SECRET: "whsec_dGVzdC1jYWxsYmFjay1zZWNyZXQtMDEyMw==",
  RELAY_RETRY_BASE_MS: "50",
  RELAY_RETRY_MAX_MS: "200",
  RELAY_SEND_TIMEOUT_MS: "1000",
  // Storefront sources of every provider (test/fixtures/sources/) and the secrets they name.
  RELAY_SOURCES: readFileSync(new URL("./test/fixtures/sources/relay-sources.json", import.meta.url), "utf8"),
  SHOPIFY_WEBHOOK_SECRET: "shpss_test_0123456789abcdef0123456789abcdef",
  SHOPIFY_WEBHOOK_SECRET_NEXT: "shpss_next_fedcba9876543210fedcba9876543210",
  STRIPE_WEBHOOK_SECRET: "whsec_test_Yk3uR8vQ1nT6wZ0pL4sD9fH2jG5bM7cX",
  WOO_WEBHOOK_SECRET: "wc-test-secret-3f9a1c7e5b2d8a4c",
  HOOKS_WEBHOOK_SECRET: "whsec_c291cmNlLWhvb2tzLXRlc3Qtc2VjcmV0LTAx",
  // Test-only: the gateway's private key and the merchant's public key, for the in-test gateway.
  TEST_ALIPAY_PRIVATE_KEY: fixture("alipay-pkcs8.pem"),
  TEST_MERCHANT_PUBLIC_KEY: fixture("merchant-spki.pem"),
};

// Three projects: `workers` runs inside workerd (the relay, its Durable Objects, storage and alarms);
// `engine` runs the runtime-free engine in Node on a fake clock; `node` runs real processes (the local
// run, the stand-in gateway).
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: testBindings },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/node/**", "test/engine/**", "test/self-hosted/**"],
        },
      },
      {
        // The engine's decisions on a fake clock, over an in-memory node:sqlite outbox: seconds, not real time.
        test: {
          name: "engine",
          environment: "node",
          include: ["test/engine/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          // test/self-hosted: what the Node and Deno hosts share on node: modules (run again under Deno).
          include: ["test/node/**/*.test.ts", "test/self-hosted/**/*.test.ts"],
        },
      },
    ],
  },
});
