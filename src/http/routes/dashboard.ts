import { Hono } from "hono";
import { DASHBOARD_HTML } from "../dashboard/page";
import { DASHBOARD_JS } from "../dashboard/script";
import type { RelayEnv } from "../env";
import { PAGE_HEADERS } from "../pages/html";
import { RELAY_CSS } from "../pages/style";

/**
 * `GET /dashboard` and the operator pages' assets. The shell and its code are public and hold no data;
 * the figures come from `GET /v1/status`, which needs an API key.
 */
export const dashboard = new Hono<RelayEnv>();

dashboard.get("/dashboard", (c) => c.html(DASHBOARD_HTML, 200, PAGE_HEADERS));

dashboard.get("/assets/dashboard.js", (c) =>
  c.body(DASHBOARD_JS, 200, { ...PAGE_HEADERS, "Content-Type": "text/javascript; charset=utf-8" }),
);

dashboard.get("/assets/relay.css", (c) => c.body(RELAY_CSS, 200, { ...PAGE_HEADERS, "Content-Type": "text/css; charset=utf-8" }));
