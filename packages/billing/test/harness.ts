import { type Database, newId, tenants } from "@org/db";
import { createStripeOperations } from "@org/idempotency";
import { loadPlanCatalog, type PlanCatalog } from "@org/plans";
import { createStripeFake, type StripeFake } from "@org/stripe-fake";
import { createTestDb, type TestDb, type TestDbOptions } from "@org/testing";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { createCheckout } from "../src/checkout.js";
import type { BillingDeps } from "../src/context.js";
import type { TenantForBilling } from "../src/customers.js";
import { createStripeClient } from "../src/stripe-client.js";
import { handleStripeEvent } from "../src/webhooks/handlers.js";

export interface Harness {
  t: TestDb;
  fake: StripeFake;
  stripe: Stripe;
  deps: BillingDeps;
  changed: string[];
  newTenant(plan?: string): Promise<{
    id: string;
    slug: string;
    name: string;
    email: string;
    stripeCustomerId: string | null;
    plan: string;
  }>;
  tenant(id: string): Promise<typeof tenants.$inferSelect>;
  /** Signs a new tenant up on a paid plan through Checkout, as the customer would (monthly, paying card). */
  subscribe(plan?: string): Promise<{
    tenant: TenantForBilling & { stripeCustomerId: string };
    customerId: string;
    sessionId: string;
  }>;
  /** Feeds every event the fake emitted since the last call to the handler, in order (or as given). */
  deliverPending(order?: (events: Stripe.Event[]) => Stripe.Event[]): Promise<void>;
  close(): Promise<void>;
}

/** Billing wired to a fresh database and an in-process Stripe stand-in, through the real SDK. */
export async function createHarness(
  options: { startTime?: number; db?: TestDbOptions; catalog?: PlanCatalog } = {},
): Promise<Harness> {
  const t = await createTestDb(options.db);
  const fake = createStripeFake({
    webhookSecret: "whsec_billing_test",
    startTime: options.startTime ?? Date.UTC(2026, 0, 15),
  });
  await fake.start(0);
  const stripe = createStripeClient({
    secretKey: "sk_test_billing",
    apiBase: fake.url,
    maxNetworkRetries: 0,
    // The production default: 20 concurrent calls on a loaded two-core CI machine can take over 2 s.
    timeoutMs: 10_000,
  });
  const changed: string[] = [];
  const deps: BillingDeps = {
    db: t.db as Database,
    stripe,
    catalog: options.catalog ?? loadPlanCatalog(),
    operations: createStripeOperations({ db: t.db }),
    urls: {
      checkoutSuccess: "https://app.test/billing/done?session_id={CHECKOUT_SESSION_ID}",
      checkoutCancel: "https://app.test/billing",
      portalReturn: "https://app.test/billing",
    },
    clock: () => new Date(fake.clock.now() * 1000),
    onTenantChanged: (id) => {
      changed.push(id);
    },
  };
  let delivered = 0;
  const harness: Harness = {
    t,
    fake,
    stripe,
    deps,
    changed,
    async newTenant(plan = "free") {
      const id = newId("tenant");
      const row = {
        id,
        slug: `t-${id.slice(4, 14).toLowerCase()}`,
        name: "Acme",
        email: "owner@acme.test",
        plan,
        status: "active" as const,
      };
      await t.db.insert(tenants).values(row);
      return { ...row, stripeCustomerId: null };
    },
    async tenant(id) {
      const [row] = await t.db.select().from(tenants).where(eq(tenants.id, id));
      return row!;
    },
    async subscribe(plan = "pro") {
      const tenant = await harness.newTenant();
      const checkout = await createCheckout(deps, tenant, { plan, interval: "month" });
      fake.completeCheckout(checkout.sessionId);
      const customerId = (await harness.tenant(tenant.id)).stripeCustomerId!;
      return {
        tenant: { ...tenant, stripeCustomerId: customerId },
        customerId,
        sessionId: checkout.sessionId,
      };
    },
    async deliverPending(order = (e) => e) {
      const all = fake.events() as unknown as Stripe.Event[];
      const fresh = all.slice(delivered);
      delivered = all.length;
      for (const event of order(fresh)) await handleStripeEvent(deps, event);
    },
    async close() {
      await fake.stop();
      await t.cleanup();
    },
  };
  return harness;
}
