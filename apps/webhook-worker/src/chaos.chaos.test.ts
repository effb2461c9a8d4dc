import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createCheckout, createStripeClient, ensureCustomer } from "@org/billing";
import { newId, notifications, stripeWebhookEvents, subscriptions, tenants } from "@org/db";
import { serveNode } from "@org/server-kit/hono";
import { createStripeFake } from "@org/stripe-fake";
import { createTestDb } from "@org/testing";
import { chaosScale } from "@org/vitest-config";
import { eq, inArray, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { SECRET, silentLogger, testBilling, testMetrics } from "../test/helpers.js";
import { createApp } from "./app.js";

const FULL = chaosScale() === "full";
const TENANTS = FULL ? 350 : 24;
const CHILD = fileURLToPath(new URL("../test/worker-child.mjs", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("webhook chaos: duplicates, shuffled and delayed deliveries, workers killed with SIGKILL", () => {
  it(`ends with every event settled and every subscription equal to Stripe's (${TENANTS} lifecycles)`, async () => {
    const t = await createTestDb({ maxConnections: 10 });
    const fake = createStripeFake({
      webhookSecret: SECRET,
      startTime: Date.UTC(2026, 0, 10),
      webhookRetryDelaysMs: [50, 200, 500, 1000, 2000, 4000],
    });
    await fake.start(0);
    const intake = createApp({
      db: t.db,
      logger: silentLogger(),
      metrics: testMetrics(),
      webhookSecrets: [SECRET],
    });
    const server = await serveNode({
      fetch: intake.fetch,
      port: 0,
      hostname: "127.0.0.1",
      logger: silentLogger(),
      exit: false,
    });
    fake.webhooks.addEndpoint(`http://127.0.0.1:${server.port}/webhooks/stripe`);
    fake.webhooks.configure({ duplicateRate: 0.2, shuffle: true, delayMs: 30 });

    const children = new Set<ChildProcess>();
    let kills = 0;
    const spawnWorker = () => {
      const child = fork(CHILD, [], {
        env: { ...process.env, DATABASE_URL: t.url!, STRIPE_API_BASE: fake.url },
        stdio: "ignore",
      });
      children.add(child);
      child.once("exit", () => children.delete(child));
    };
    spawnWorker();
    spawnWorker();
    let chaos = true;
    const killer = (async () => {
      while (chaos) {
        await sleep(1_500 + Math.random() * 1_000);
        const victim = [...children][Math.floor(Math.random() * children.size)];
        if (victim && chaos) {
          victim.kill("SIGKILL");
          kills++;
          spawnWorker();
        }
      }
    })();

    try {
      const stripe = createStripeClient({
        secretKey: "sk_test_chaos",
        apiBase: fake.url,
        maxNetworkRetries: 2,
      });
      const deps = testBilling(t.db, stripe);
      const customers: string[] = [];
      for (let i = 0; i < TENANTS; i++) {
        const id = newId("tenant");
        const tenant = {
          id,
          slug: `chaos-${i}-${id.slice(4, 10).toLowerCase()}`,
          name: "T",
          email: `t${i}@chaos.test`,
          plan: "free",
          status: "active" as const,
        };
        await t.db.insert(tenants).values(tenant);
        const customerId = await ensureCustomer(deps, { ...tenant, stripeCustomerId: null });
        customers.push(customerId);
        const checkout = await createCheckout(
          deps,
          { ...tenant, stripeCustomerId: customerId },
          { plan: i % 3 ? "pro" : "enterprise", interval: "month" },
        );
        fake.completeCheckout(checkout.sessionId);
        const [sub] = (await stripe.subscriptions.list({ customer: customerId })).data;
        if (!sub) continue;
        const roll = i % 5;
        if (roll === 1)
          await stripe.subscriptions.update(sub.id, {
            items: [{ id: sub.items.data[0]!.id, price: "price_enterprise_monthly" }],
            proration_behavior: "create_prorations",
          });
        if (roll === 2) await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
        if (roll === 3) {
          const pm = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
            customer: customerId,
          });
          await stripe.subscriptions.update(sub.id, { default_payment_method: pm.id });
        }
        if (roll === 4) await stripe.subscriptions.cancel(sub.id);
      }
      fake.clock.advance("32d");
      fake.clock.advance("8d");
      await fake.webhooks.idle();
      const emitted = new Set((fake.events() as unknown as Stripe.Event[]).map((e) => e.id));

      // Keep killing while the backlog drains, then let the survivors finish.
      const deadline = Date.now() + (FULL ? 600_000 : 180_000);
      for (;;) {
        const [{ open }] = (await t.db.execute(
          sql`select count(*)::int as open from stripe_webhook_events where status in ('pending', 'processing', 'failed')`,
        )) as unknown as [{ open: number }];
        const stored = await t.db.$count(stripeWebhookEvents);
        if (open === 0 && stored >= emitted.size) break;
        if (Date.now() > deadline)
          throw new Error(`backlog not drained: ${open} open, ${stored}/${emitted.size} stored`);
        if (Date.now() > deadline - (FULL ? 300_000 : 90_000)) chaos = false;
        await sleep(250);
      }
      chaos = false;
      await killer;

      const rows = await t.db.select().from(stripeWebhookEvents);
      expect(new Set(rows.map((r) => r.id))).toEqual(emitted);
      const unsettled = rows.filter((r) => r.status !== "processed" && !(r.status === "dead" && r.lastError));
      expect(unsettled).toEqual([]);
      expect(rows.filter((r) => r.status === "dead")).toEqual([]);

      for (const customerId of customers) {
        const truth = (await stripe.subscriptions.list({ customer: customerId, status: "all" })).data;
        const ours = await t.db
          .select()
          .from(subscriptions)
          .where(eq(subscriptions.stripeCustomerId, customerId));
        expect(
          ours.map((s) => [s.stripeSubscriptionId, s.status, s.priceIds.join(), s.cancelAtPeriodEnd]).sort(),
        ).toEqual(
          truth
            .map((s) => [s.id, s.status, s.items.data.map((i) => i.price.id).join(), s.cancel_at_period_end])
            .sort(),
        );
      }
      const canceledNotes = await t.db
        .select({ tenantId: notifications.tenantId, n: sql<number>`count(*)::int` })
        .from(notifications)
        .where(inArray(notifications.kind, ["subscription_canceled"]))
        .groupBy(notifications.tenantId);
      expect(canceledNotes.every((r) => r.n === 1)).toBe(true);
      console.log(`chaos: ${emitted.size} events, ${rows.length} stored, ${kills} workers killed`);
      expect(kills).toBeGreaterThan(0);
    } finally {
      chaos = false;
      for (const child of children) child.kill("SIGKILL");
      await server.shutdown("test");
      await fake.stop();
      await t.cleanup();
    }
    // Setup alone is hundreds of Stripe calls; in CI it shares two cores with every other suite.
  }, 420_000);
});
