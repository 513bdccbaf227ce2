/**
 * The operator pages in a real browser, against the local run (wrangler dev + the AlipayHK stand-in):
 * `/docs` shows every path; `/dashboard` asks for a key, then — while a job is being sent — its progress
 * bar and its chart move without a reload, and an exceed-limit adaptation shows up. Headless Chromium is
 * Debian's (`/usr/bin/chromium`, installed by .ci/run), driven by playwright-core; screenshots are kept
 * in test-results/browser/ as artifacts.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, startLocalRun, type LocalRun } from "../../dev/local-run.ts";

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
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-paused.png") });

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
