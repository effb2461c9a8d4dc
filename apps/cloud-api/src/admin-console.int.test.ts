import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { insertEvent } from "@org/billing";
import { stripeWebhookEvents, subscriptionTransitions, tenants } from "@org/db";
import { type RunningServer, serveNode } from "@org/server-kit/hono";
import { servicesRequired } from "@org/testing";
import { asc, eq, inArray } from "drizzle-orm";
import { type Browser, chromium } from "playwright-core";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, type CloudHarness, createCloudHarness, silent } from "../test/harness.js";

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
  let tenantId: string;
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  // Tokens sent on three days of the chart's window: the bars must show exactly these totals.
  const sent = [
    { day: today - 2 * DAY_MS, quantities: [1_200, 800] },
    { day: today - DAY_MS, quantities: [5_000] },
    { day: today, quantities: [300, 400, 300] },
  ];
  // Dead letters as the inbox leaves them: attempts used up and the last failure kept.
  const dead = [
    { id: "evt_browser_dead_1", attempts: 8, lastError: "StripeConnectionError: connect ECONNREFUSED" },
    { id: "evt_browser_dead_2", attempts: 5, lastError: "TenantNotFound: no tenant for cus_gone" },
    { id: "evt_browser_dead_3", attempts: 8, lastError: "StripeRateLimitError: too many requests" },
  ];

  /** Signup on pro, checkout completed, then the renewal's payment fails: active, then past_due. */
  async function paidTenantWhosePaymentFailed(): Promise<string> {
    const signup = await h.app.request(`http://${BASE}/v1/tenants`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": randomUUID() },
      body: JSON.stringify({
        name: "Acme Inc",
        slug: "acme",
        email: "ops@acme.test",
        plan: "pro",
        interval: "month",
      }),
    });
    expect(signup.status).toBe(201);
    const created = (await signup.json()) as { tenant: { id: string }; checkoutUrl: string };
    h.fake.completeCheckout(created.checkoutUrl.match(/cs_[A-Za-z0-9_]+/)![0]);
    await h.settle();

    const stripe = new Stripe("sk_test_console", h.fake.stripeConfig());
    const [row] = await h.deps.db.select().from(tenants).where(eq(tenants.id, created.tenant.id));
    const customer = row!.stripeCustomerId!;
    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer });
    await stripe.customers.update(customer, { invoice_settings: { default_payment_method: failing.id } });
    const [sub] = (await stripe.subscriptions.list({ customer })).data;
    await stripe.subscriptions.update(sub!.id, { default_payment_method: failing.id });
    h.fake.clock.advanceTo(sub!.items.data[0]!.current_period_end);
    await h.settle();
    return created.tenant.id;
  }

  beforeAll(async () => {
    // The stand-in starts at real time, as billing judges the subscription by the wall clock.
    h = await createCloudHarness({ env: { ADMIN_TOKEN }, startTime: Date.now() });
    tenantId = await paidTenantWhosePaymentFailed();
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
    for (const [i, { id, attempts, lastError }] of dead.entries()) {
      await insertEvent(h.deps.db, {
        id,
        type: "invoice.payment_failed",
        created: 1_700_000_000 + i,
        data: { object: { id: `in_${i}`, object: "invoice", customer: "cus_none" } },
      } as never);
      await h.deps.db
        .update(stripeWebhookEvents)
        .set({ status: "dead", attempts, lastError })
        .where(eq(stripeWebhookEvents.id, id));
    }
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

  it("logs in, shows the metered totals, the subscription history, and replays one dead event then all of them", {
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

    // Billing's sync logged each status it saw; the history lists them oldest first.
    const transitions = await h.deps.db
      .select()
      .from(subscriptionTransitions)
      .where(eq(subscriptionTransitions.tenantId, tenantId))
      .orderBy(asc(subscriptionTransitions.at));
    expect(transitions.map((t) => [t.fromStatus, t.toStatus])).toEqual([
      [null, "active"],
      ["active", "past_due"],
    ]);
    const sub = transitions[0]!.stripeSubscriptionId;
    const history = page
      .locator("h2", { hasText: "State history" })
      .locator("xpath=following-sibling::table[1]");
    const statusChanges = await history
      .locator("tbody tr", { has: page.locator("td:nth-child(2)", { hasText: /^subscription\.status$/ }) })
      .locator("td:nth-child(3)")
      .allTextContents();
    expect(statusChanges).toEqual([
      `subscription ${sub}: (new) → active (pro)`,
      `subscription ${sub}: active → past_due (pro)`,
    ]);
    await screenshot(page, "tenant");

    await page.click("text=Dead letters");
    for (const { id, attempts, lastError } of dead) {
      const event = page.locator(`tr[data-event="${id}"]`);
      expect(await event.locator(".status").textContent()).toBe("dead");
      expect(await event.locator("td.num").textContent()).toBe(String(attempts));
      expect(await event.locator("td.error").textContent()).toBe(lastError);
    }
    await screenshot(page, "dead-letters");

    const [first, ...rest] = dead;
    await page.locator(`tr[data-event="${first!.id}"]`).locator("button", { hasText: "Replay" }).click();
    await page.waitForURL(`${origin}/admin/console/dead-letters`);
    expect(await page.locator(`tr[data-event="${first!.id}"]`).count()).toBe(0);
    for (const { id } of rest) expect(await page.locator(`tr[data-event="${id}"]`).count()).toBe(1);

    await page.locator("button", { hasText: `Replay all dead (${rest.length})` }).click();
    await page.waitForURL(`${origin}/admin/console/dead-letters`);
    expect(await page.locator("tr[data-event]").count()).toBe(0);
    expect(await page.locator("button", { hasText: "Replay all dead (0)" }).count()).toBe(1);
    const replayed = await h.deps.db
      .select()
      .from(stripeWebhookEvents)
      .where(
        inArray(
          stripeWebhookEvents.id,
          dead.map((d) => d.id),
        ),
      );
    expect(replayed.map((e) => [e.id, e.status, e.attempts]).sort()).toEqual(
      dead.map((d) => [d.id, "pending", 0]),
    );

    await page.goto(`${origin}/admin/console/webhook-events`);
    for (const { id } of dead) {
      const event = page.locator(`tr[data-event="${id}"]`);
      expect(await event.locator(".status").textContent()).toBe("pending");
      expect(await event.locator("td.num").textContent()).toBe("0");
    }
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
