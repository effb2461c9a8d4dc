import { Writable } from "node:stream";
import { tenants } from "@org/db";
import { createLogger, createMetrics } from "@org/server-kit";
import { createStripeFake } from "@org/stripe-fake";
import { createTestDb } from "@org/testing";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { SECRET, silentLogger, subscribedTenant } from "../test/helpers.js";
import { buildDeps } from "./deps.js";
import { parseEnv } from "./env.js";
import { reconcileJob } from "./reconcile-job.js";

describe("the scheduled reconcile", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** A fresh database, a Stripe stand-in and the worker's own production deps over both. */
  async function workerOnFake() {
    const t = await createTestDb();
    cleanups.push(() => t.cleanup());
    const fake = createStripeFake({ webhookSecret: SECRET });
    await fake.start(0);
    cleanups.push(() => fake.stop());
    const env = parseEnv({
      DATABASE_URL: t.url,
      STRIPE_SECRET_KEY: "sk_test_worker",
      STRIPE_WEBHOOK_SECRET: SECRET,
      STRIPE_API_BASE: fake.url,
      LOG_LEVEL: "silent",
    });
    const deps = await buildDeps(env, silentLogger());
    cleanups.push(() => deps.close());
    return { t, fake, env, deps };
  }

  it("repairs a tenant whose webhooks never came, logs its progress and counts it in /metrics", async () => {
    const { t, fake, env, deps } = await workerOnFake();
    expect(env.RECONCILE_INTERVAL_MINUTES).toBe(60);

    const id = await subscribedTenant(t.db, fake, "pro");
    // No webhook is delivered: the tenant still has the free plan here while Stripe bills it for pro.

    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      service: "webhook-worker",
      level: "info",
      destination: new Writable({
        write(chunk, _e, cb) {
          lines.push(JSON.parse(String(chunk)));
          cb();
        },
      }),
    });
    const metrics = createMetrics({ service: "webhook-worker", defaultMetrics: false });
    const job = reconcileJob(deps.billing!, { everyMs: 60_000, registry: metrics.registry, logger });
    expect(await job.run()).toMatchObject({ done: 1, failed: 0, planChanges: 1 });

    const [row] = await t.db.select().from(tenants).where(eq(tenants.id, id));
    expect(row?.plan).toBe("pro");
    expect(lines).toContainEqual(expect.objectContaining({ msg: "billing.reconcile.progress", done: 1 }));
    const exposed = await metrics.registry.metrics();
    expect(exposed).toMatch(/billing_reconcile_customers_total\{result="synced"[^}]*\} 1\n/);
    expect(exposed).toMatch(/billing_reconcile_last_run_timestamp_seconds\{[^}]*\} \d+/);
  });

  it("ends an expired grace period with no webhook: past due keeps pro for the grace, then the default plan", async () => {
    const { t, fake, deps } = await workerOnFake();
    const { stripe } = deps.billing!;

    const id = await subscribedTenant(t.db, fake, "pro");
    const [tenant] = await t.db.select().from(tenants).where(eq(tenants.id, id));
    const [subscription] = (await stripe.subscriptions.list({ customer: tenant!.stripeCustomerId! })).data;
    const card = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: tenant!.stripeCustomerId!,
    });
    await stripe.subscriptions.update(subscription!.id, { default_payment_method: card.id });
    fake.clock.advance("32d"); // the renewal's payment fails: past_due

    const planAfterRun = async (at: Date) => {
      const job = reconcileJob(
        { ...deps.billing!, clock: () => at },
        {
          everyMs: 60_000,
          registry: createMetrics({ service: "w", defaultMetrics: false }).registry,
          logger: silentLogger(),
        },
      );
      expect(await job.run()).toMatchObject({ failed: 0 });
      const [row] = await t.db.select().from(tenants).where(eq(tenants.id, id));
      return row?.plan;
    };
    const now = new Date(fake.clock.now() * 1000);
    expect((await stripe.subscriptions.retrieve(subscription!.id)).status).toBe("past_due");
    expect(await planAfterRun(now)).toBe("pro");
    // Eight days later Stripe has sent nothing new: only the scheduled reconcile ends the grace.
    expect(await planAfterRun(new Date(now.getTime() + 8 * 86_400_000))).toBe("free");
  });
});
