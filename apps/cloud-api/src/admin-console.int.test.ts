import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { insertEvent } from "@org/billing";
import { newId, stripeWebhookEvents, tenants } from "@org/db";
import { type RunningServer, serveNode } from "@org/server-kit";
import { servicesRequired } from "@org/testing";
import { eq } from "drizzle-orm";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CloudHarness, createCloudHarness, silent } from "../test/harness.js";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
];
const ADMIN_TOKEN = "console-admin-token-0123456789abcdefghij";
const DAY_MS = 86_400_000;
const shotPath = (name: string) =>
  fileURLToPath(new URL(`../../../docs/admin-console-${name}.png`, import.meta.url));

// Same rule as the /docs browser test: without Debian's chromium the test says so and skips,
// unless TEST_REQUIRE_SERVICES=1 (CI), where a missing browser fails the run.
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && servicesRequired())
  throw new Error(`${CHROMIUM} is missing and TEST_REQUIRE_SERVICES=1 demands it: apt-get install chromium`);
if (!hasChromium)
  console.warn(`SKIPPED: the admin console browser test needs ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!hasChromium)("the admin console in a real browser", () => {
  let h: CloudHarness;
  let server: RunningServer;
  let browser: Browser;
  let dir: string;
  const tenantId = newId("tenant");
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  // Tokens sent on three days of the chart's window: the bars must show exactly these totals.
  const sent = [
    { day: today - 2 * DAY_MS, quantities: [1_200, 800] },
    { day: today - DAY_MS, quantities: [5_000] },
    { day: today, quantities: [300, 400, 300] },
  ];

  beforeAll(async () => {
    h = await createCloudHarness({ env: { ADMIN_TOKEN } });
    await h.deps.db.insert(tenants).values({
      id: tenantId,
      slug: "acme",
      name: "Acme Inc",
      email: "ops@acme.test",
      plan: "free",
      status: "active",
    });
    await h.deps.metering.ingest(
      tenantId,
      sent.flatMap(({ day, quantities }) =>
        quantities.map((quantity, i) => ({
          id: `tok-${day}-${i}`,
          meter: "tokens",
          quantity,
          // Seconds after midnight: never "in the future", even when the test runs at 00:00 UTC.
          timestamp: new Date(day + i * 1_000).toISOString(),
        })),
      ),
    );
    await insertEvent(h.deps.db, {
      id: "evt_browser_dead",
      type: "invoice.payment_failed",
      created: 1_700_000_000,
      data: { object: { id: "in_1", object: "invoice", customer: "cus_none" } },
    } as never);
    await h.deps.db
      .update(stripeWebhookEvents)
      .set({ status: "dead", attempts: 8, lastError: "StripeConnectionError: connect ECONNREFUSED" })
      .where(eq(stripeWebhookEvents.id, "evt_browser_dead"));
    server = await serveNode({
      fetch: h.app.fetch,
      port: 0,
      hostname: "127.0.0.1",
      logger: silent(),
      exit: false,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    dir = await mkdtemp(join(tmpdir(), "admin-console-"));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown();
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function screenshot(page: import("playwright-core").Page, name: string) {
    const shot = join(dir, `${name}.png`);
    // caret "initial": hiding the caret would inject a style the page's CSP (rightly) refuses.
    await page.screenshot({ path: shot, fullPage: true, caret: "initial" });
    // The committed pictures in docs/ are refreshed on request only: a test run leaves the tree clean.
    if (process.env.UPDATE_DOCS_SCREENSHOT === "1") await copyFile(shot, shotPath(name));
  }

  it("logs in, shows the metered totals in the chart, and replays a dead event", {
    timeout: 120_000,
  }, async () => {
    const origin = `http://127.0.0.1:${server.port}`;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

    await page.goto(`${origin}/admin`);
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    await screenshot(page, "login");
    await page.fill("#token", ADMIN_TOKEN);
    await page.click("button[type=submit]");
    await page.waitForURL(`${origin}/admin/console`);
    const row = page.locator(`tr[data-tenant="${tenantId}"]`);
    // This period's total: the whole 8,000 unless the month began within the last two days.
    const { meters } = await h.deps.metering.summary(tenantId);
    const tokens = meters.find((m) => m.meter === "tokens")!;
    expect(await row.textContent()).toContain(
      `${tokens.used.toLocaleString("en-US")} / ${tokens.included?.toLocaleString("en-US")}`,
    );
    await screenshot(page, "tenants");

    await row.locator("a").click();
    await page.waitForURL(`${origin}/admin/console/tenants/${tenantId}`);
    const chart = page.locator('[data-meter="tokens"]');
    for (const { day, quantities } of sent) {
      const bar = chart.locator(`rect[data-day="${new Date(day).toISOString().slice(0, 10)}"]`);
      const total = quantities.reduce((a, b) => a + b, 0);
      expect(await bar.getAttribute("data-value")).toBe(String(total));
      expect(await bar.locator("title").textContent()).toContain(`: ${total}`);
    }
    expect(await chart.locator(".total").getAttribute("data-total")).toBe("8000");
    await screenshot(page, "tenant");

    await page.click("text=Dead letters");
    const event = page.locator('tr[data-event="evt_browser_dead"]');
    expect(await event.locator(".status").textContent()).toBe("dead");
    await screenshot(page, "dead-letters");
    await event.locator("button", { hasText: "Replay" }).click();
    await page.waitForURL(`${origin}/admin/console/dead-letters`);
    expect(await page.locator('tr[data-event="evt_browser_dead"]').count()).toBe(0);
    await page.goto(`${origin}/admin/console/webhook-events`);
    expect(await page.locator('tr[data-event="evt_browser_dead"] .status').textContent()).toBe("pending");
    await screenshot(page, "webhook-events");

    // Each page loaded on its own, with nothing refused: the page's styles carry the nonce its CSP names.
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
    });
    for (const path of [
      `/admin/console/tenants/${tenantId}`,
      "/admin/console/dead-letters",
      "/admin/console",
    ]) {
      const res = await page.goto(`${origin}${path}`);
      expect(res?.headers()["content-security-policy"]).toContain("default-src 'none'");
    }
    expect(violations).toEqual([]);
  });
});
