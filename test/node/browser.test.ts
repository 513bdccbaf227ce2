/**
 * The operator pages in a real browser, against the local run (wrangler dev + the AlipayHK stand-in):
 * `/docs` shows every path; `/dashboard` asks for a key, then — while a job is being sent — its progress
 * bar and its chart move without a reload, and an exceed-limit adaptation shows up. Headless Chromium is
 * Debian's (`/usr/bin/chromium`, installed by .ci/run), driven by playwright-core; screenshots are kept
 * in test-results/browser/ as artifacts. The plots (pace against the quota, backlog and its age, results
 * by code) draw the status's numbers and shade what the page does not know — before it opened, while the
 * relay did not answer — rather than drawing zeros; an admin sees the storefront sources' ignored events.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, startLocalRun, type LocalRun } from "../../dev/local-run.ts";
import { shopifyHeaders, shopifyOrderPaid } from "../support/sources.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(PROJECT_ROOT, "test-results", "browser");
/** The relay may send 10 per second; the stand-in admits 6, so the relay has to slow down while we watch. */
const MAX_RPS = 10;
const GATEWAY_LIMIT_RPS = 6;
/** 50 batches: about 8 s at the pace the stand-in admits. */
const JOB_SIZE = 5_000;

let run: LocalRun | undefined;
let context: BrowserContext | undefined;
let profile: string | undefined;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  profile = await mkdtemp(join(tmpdir(), "relay-chromium-"));
  const [started, browser] = await Promise.all([
    startLocalRun({
      maxRps: MAX_RPS,
      gatewayLimitRps: GATEWAY_LIMIT_RPS,
      gateway: { latencyMs: 50 },
      readyTimeoutMs: 30_000,
    }),
    chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1360, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    }),
  ]);
  run = started;
  context = browser;
}, 45_000);

afterAll(async () => {
  await context?.close();
  await run?.stop();
  if (profile) await rm(profile, { recursive: true, force: true });
}, 20_000);

/** The figures of `/v1/status` the plots draw. */
interface StatusFigures {
  pace: { liveRps: number };
  backlog: { notifications: number; queued: number; oldestDueSeconds: number };
  results: Record<string, number>;
  sendsPerSecond: { at: number; sends: number; codes: Record<string, number> }[];
}

/** A chart's `data-` attribute as a number (NaN when absent). */
async function chartData(page: Page, chart: string, name: string): Promise<number> {
  return Number(await page.locator(chart).getAttribute(`data-${name}`));
}

/** The shaded "no data" ranges of a chart, ms epoch. */
async function missingRanges(page: Page, chart: string): Promise<{ from: number; to: number }[]> {
  return page
    .locator(`${chart} rect.missing`)
    .evaluateAll((rects) =>
      rects.map((r) => ({ from: Number(r.getAttribute("data-from")), to: Number(r.getAttribute("data-to")) })),
    );
}

/** Progress of the job's bar (notifications settled) and the chart's total sends, as the page shows them. */
async function readDashboard(page: Page, jobId: string): Promise<{ progress: number; chartSends: number }> {
  const progress = Number(
    await page.locator(`tr[data-job-id="${jobId}"] [role="progressbar"]`).getAttribute("aria-valuenow"),
  );
  const chartSends = Number(await page.locator("#chart").getAttribute("data-sends"));
  return { progress, chartSends };
}

describe("operator pages in Chromium", { skip: !existsSync(CHROMIUM) && process.env.CI !== "true" }, () => {
  it("/docs shows every documented path", async () => {
    const page = await context!.newPage();
    const external: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(run!.relayUrl)) external.push(request.url());
    });
    await page.goto(`${run!.relayUrl}/docs`);
    const doc = (await (await fetch(`${run!.relayUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    const shown = await page.locator("code.path").allTextContents();
    expect(new Set(shown)).toEqual(new Set(Object.keys(doc.paths)));
    await expect.poll(() => page.locator("h1").textContent()).toContain("API reference");
    await page.screenshot({ path: join(ARTIFACTS, "docs.png") });
    expect(external).toEqual([]);
    await page.close();
  });

  it("/dashboard asks for a key, then its progress bar and chart move while a job is sent", async () => {
    const page = await context!.newPage();
    const external: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(run!.relayUrl)) external.push(request.url());
    });
    await page.goto(`${run!.relayUrl}/dashboard`);
    await expect.poll(() => page.locator("#login").isVisible()).toBe(true);
    expect(await page.locator("#board").isVisible()).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-sign-in.png") });

    // A wrong key shows nothing and says so.
    await page.fill("#api-key", "not-the-key-0123456789");
    await page.click("#login-form button[type=submit]");
    await expect.poll(() => page.locator("#login-error").textContent()).toContain("did not accept");
    expect(await page.locator("#board").isVisible()).toBe(false);

    await page.fill("#api-key", run!.apiKey);
    await page.click("#login-form button[type=submit]");
    await page.locator("#board").waitFor({ state: "visible", timeout: 5_000 });
    expect(await page.locator("#configured-rps").textContent()).toBe(String(MAX_RPS));
    // Before this page opened it knows nothing of the backlog: shaded and labelled, no line drawn there.
    const openedAt = Date.now();
    const before = await missingRanges(page, "#backlog-chart");
    expect(before.length).toBeGreaterThan(0);
    expect(before[0]!.to).toBeGreaterThan(openedAt - 5_000);
    expect(await page.locator("#backlog-chart .missing-label").first().textContent()).toBe("no data");
    // A caller's key sees no storefront sources.
    expect(await page.locator("#sources-panel").isVisible()).toBe(false);

    const notifications = Array.from({ length: JOB_SIZE }, (_, i) => ({
      openId: `browser-${i}`,
      templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
      templateValue: { merchantName: "Tea House", redirectUrl: `https://shop.example.hk/bill/${i}` },
    }));
    const posted = await fetch(`${run!.relayUrl}/v1/notifications`, {
      method: "POST",
      headers: { authorization: `Bearer ${run!.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ notifications }),
    });
    expect(posted.status).toBe(202);
    const { jobId } = (await posted.json()) as { jobId: string };

    const row = page.locator(`tr[data-job-id="${jobId}"]`);
    await row.waitFor({ timeout: 5_000 });
    await expect.poll(async () => (await readDashboard(page, jobId)).progress, { timeout: 10_000 }).toBeGreaterThan(0);
    const first = await readDashboard(page, jobId);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-sending.png") });

    // Later, with no reload: more settled, more sends drawn.
    await expect
      .poll(async () => (await readDashboard(page, jobId)).progress, { timeout: 10_000 })
      .toBeGreaterThan(first.progress);
    await expect
      .poll(async () => (await readDashboard(page, jobId)).chartSends, { timeout: 10_000 })
      .toBeGreaterThan(first.chartSends);
    await expect.poll(() => page.locator("#chart rect.sends").count(), { timeout: 10_000 }).toBeGreaterThan(1);

    // The stand-in admits fewer than ALIPAY_MAX_RPS: the relay lowers its pace and the page shows it.
    await expect.poll(() => page.locator("#adaptations li").count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-adapted.png") });

    // The plots draw the status's numbers. Every status the page reads passes through here; when the relay
    // stops answering, the page keeps showing the last one it read, so each chart can be held against it.
    let lastRead: StatusFigures | undefined;
    let outage = false;
    await page.route("**/v1/status", async (route) => {
      if (outage) return route.abort();
      const response = await route.fetch();
      const body = await response.text();
      if (response.ok()) lastRead = JSON.parse(body) as StatusFigures;
      await route.fulfill({ response, body });
    });
    await expect.poll(() => chartData(page, "#backlog-chart", "last"), { timeout: 5_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#results-chart rect.result[data-code="SUCCESS"]').count()).toBeGreaterThan(0);
    await expect.poll(() => lastRead !== undefined, { timeout: 5_000 }).toBe(true);

    // The relay stops answering the page for a while: the gap is shaded, not drawn as an empty backlog.
    const gapsBefore = await chartData(page, "#backlog-chart", "missing");
    const outageFrom = Date.now();
    outage = true;
    await expect.poll(() => page.locator("#connection").textContent(), { timeout: 5_000 }).toBe("relay unreachable");
    const status = lastRead!;
    const shown = await page.evaluate(() => {
      const data = (id: string) => document.getElementById(id)!.dataset;
      const byCode: Record<string, number> = {};
      for (const bar of Array.from(document.querySelectorAll<SVGRectElement>("#results-chart rect.result")))
        byCode[bar.dataset.code!] = (byCode[bar.dataset.code!] ?? 0) + Number(bar.dataset.count);
      const table: Record<string, number> = {};
      for (const tr of Array.from(document.querySelectorAll("#results tr")))
        table[tr.children[0]!.textContent!] = Number(tr.children[1]!.textContent!.replace(/\D/g, ""));
      return {
        start: Number(data("chart").start),
        sends: Number(data("chart").sends),
        live: Number(data("chart").live),
        backlog: Number(data("backlog-chart").last),
        queued: Number(data("backlog-chart").lastQueued),
        age: Number(data("age-chart").last),
        byCode,
        table,
      };
    });
    const inWindow = status.sendsPerSecond.filter((s) => s.at >= shown.start);
    expect(inWindow.length).toBeGreaterThan(0);
    expect(shown.sends).toBe(inWindow.reduce((n, s) => n + s.sends, 0));
    const codes: Record<string, number> = {};
    for (const s of inWindow) for (const [code, n] of Object.entries(s.codes)) codes[code] = (codes[code] ?? 0) + n;
    expect(codes.SUCCESS).toBeGreaterThan(0);
    expect(shown.byCode).toEqual(codes);
    // The relay started within the window, so the chart's counts are the results table's too.
    expect(shown.table).toEqual(status.results);
    expect(shown.byCode).toEqual(status.results);
    expect(shown.live).toBe(status.pace.liveRps);
    expect(shown.backlog).toBe(status.backlog.notifications);
    expect(shown.queued).toBe(status.backlog.queued);
    expect(shown.age).toBe(status.backlog.oldestDueSeconds);
    expect(await page.locator("#results-legend .c-ok").textContent()).toBe("SUCCESS");

    await expect
      .poll(() => chartData(page, "#backlog-chart", "missing"), { timeout: 10_000 })
      .toBeGreaterThan(gapsBefore);
    // The status's per-second figures end where it was last read: the pace chart shades what follows.
    await expect
      .poll(async () => (await missingRanges(page, "#chart")).some((r) => r.from >= outageFrom - 3_000), {
        timeout: 5_000,
      })
      .toBe(true);
    outage = false;
    const outageTo = Date.now();
    await expect.poll(() => page.locator("#connection").textContent(), { timeout: 5_000 }).toBe("live");
    await expect.poll(() => chartData(page, "#backlog-chart", "points"), { timeout: 5_000 }).toBeGreaterThan(0);
    const gap = (await missingRanges(page, "#backlog-chart")).find(
      (r) => r.from >= outageFrom - 2_000 && r.to <= outageTo + 2_000,
    );
    expect(gap, "a shaded range over the outage").toBeDefined();
    expect(gap!.to - gap!.from).toBeGreaterThan(1_000);
    // The line breaks there: one piece before the outage, one after.
    expect(await page.locator("#backlog-chart path.backlog").count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-gap.png"), fullPage: true });

    await expect.poll(() => row.locator(".pill").textContent(), { timeout: 20_000 }).toBe("completed");
    expect((await readDashboard(page, jobId)).progress).toBe(JOB_SIZE);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-completed.png") });
    expect(external).toEqual([]);
    await page.close();
  }, 45_000);

  it("an admin pauses (nothing leaves, the page says who and why), cancels a job with its button, and resumes", async () => {
    const page = await context!.newPage();
    await page.goto(`${run!.relayUrl}/dashboard`);
    // The local run's operator key (RELAY_ADMIN_KEYS): pause/resume and cancel.
    await page.fill("#api-key", run!.adminKey);
    await page.click("#login-form button[type=submit]");
    await page.locator("#controls").waitFor({ state: "visible", timeout: 5_000 });
    expect(await page.locator("#hold").isVisible()).toBe(false);

    // A storefront event the example shopify source does not map: 200, counted, shown with its reason.
    const order = JSON.stringify(shopifyOrderPaid);
    const ignored = await fetch(`${run!.relayUrl}/v1/sources/shopify`, {
      method: "POST",
      headers: shopifyHeaders(order, run!.sourceSecrets.shopify, { topic: "orders/create" }),
      body: order,
    });
    expect(ignored.status).toBe(200);
    const source = page.locator('#sources tr[data-source="shopify"]');
    await expect
      .poll(() => source.locator('[data-reason="unhandled-event"]').textContent(), { timeout: 5_000 })
      .toBe("unhandled-event 1");
    expect(await source.textContent()).toContain("orders/create");

    await page.fill("#pause-reason", "wrong template in the browser test");
    await page.click("#pause");
    await expect
      .poll(() => page.locator("#hold-text").textContent(), { timeout: 5_000 })
      .toContain("wrong template in the browser test");
    expect(await page.locator("#hold-text").textContent()).toMatch(/Paused by key:[0-9a-f]{12}…/);
    const health = (await (await fetch(`${run!.relayUrl}/healthz`)).json()) as { status: string };
    expect(health.status).toBe("degraded");

    const sentBefore = (await run!.gateway.stats()).requests;
    const notifications = (prefix: string) =>
      Array.from({ length: 300 }, (_, i) => ({
        openId: `${prefix}-${i}`,
        templateCode: "ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL",
        templateValue: { merchantName: "Tea House", redirectUrl: `https://shop.example.hk/bill/${i}` },
      }));
    const post = async (prefix: string) =>
      fetch(`${run!.relayUrl}/v1/notifications`, {
        method: "POST",
        headers: { authorization: `Bearer ${run!.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ notifications: notifications(prefix) }),
      }).then((r) => r.json() as Promise<{ jobId: string }>);
    const cancelled = await post("cancelled");
    const kept = await post("kept");
    const row = page.locator(`tr[data-job-id="${cancelled.jobId}"]`);
    await row.locator("button.cancel").waitFor({ timeout: 5_000 });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-paused.png"), fullPage: true });

    await row.locator("button.cancel").click();
    await expect.poll(() => row.locator(".pill").textContent(), { timeout: 5_000 }).toBe("completed");
    expect(await row.textContent()).toContain("300 cancelled");
    expect(await row.locator("button.cancel").count()).toBe(0);
    // Paused: nothing reached the stand-in.
    expect((await run!.gateway.stats()).requests).toBe(sentBefore);

    await page.click("#resume");
    await expect.poll(() => page.locator("#hold").isVisible(), { timeout: 5_000 }).toBe(false);
    const keptRow = page.locator(`tr[data-job-id="${kept.jobId}"]`);
    await expect.poll(() => keptRow.locator(".pill").textContent(), { timeout: 15_000 }).toBe("completed");
    const delivered = Object.keys((await run!.gateway.stats(true)).deliveredByOpenId);
    expect(delivered.filter((id) => id.startsWith("kept-"))).toHaveLength(300);
    expect(delivered.filter((id) => id.startsWith("cancelled-"))).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-resumed.png") });
    await page.close();
  }, 45_000);
});
