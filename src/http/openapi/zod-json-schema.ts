/**
 * What hono-openapi's zod vendor loads with `import("zod/v4/core")`: only `toJSONSchema`. wrangler.toml
 * aliases that specifier here, because the dynamic import of the whole namespace would bundle every zod
 * locale (~400 KB) that no request uses.
 */
export { toJSONSchema } from "zod/mini";
