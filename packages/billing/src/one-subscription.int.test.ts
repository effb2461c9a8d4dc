import { notifications } from "@org/db";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../test/harness.js";
import { createObservers } from "../test/observers.js";
import { createCheckout } from "./checkout.js";
import { ensureCustomer } from "./customers.js";
import { syncCustomer } from "./sync.js";

describe("one live subscription per tenant", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h?.close());

  const openSessions = async (customerId: string) =>
    (await h.stripe.checkout.sessions.list({ customer: customerId, status: "open" })).data;

  it("expires the tenant's other open checkout sessions when it creates a new one", async () => {
    const tenant = await h.newTenant();
    const pro = await createCheckout(h.deps, tenant, { plan: "pro", interval: "month" });
    const enterprise = await createCheckout(h.deps, tenant, { plan: "enterprise", interval: "month" });
    expect((await h.stripe.checkout.sessions.retrieve(pro.sessionId)).status).toBe("expired");
    expect(() => h.fake.completeCheckout(pro.sessionId)).toThrow(/expired/);

    h.fake.completeCheckout(enterprise.sessionId);
    const customerId = (await h.tenant(tenant.id)).stripeCustomerId!;
    await syncCustomer(h.deps, customerId);
    expect((await h.stripe.subscriptions.list({ customer: customerId })).data).toHaveLength(1);
    expect((await h.tenant(tenant.id)).plan).toBe("enterprise");
  });

  it("leaves at most one open session when checkouts for different plans race", async () => {
    const tenant = await h.newTenant();
    const customerId = await ensureCustomer(h.deps, { ...tenant });
    const withCustomer = { ...tenant, stripeCustomerId: customerId };
    const plans = ["pro", "enterprise", "pro", "enterprise", "pro", "enterprise"];
    const results = await Promise.allSettled(
      plans.map((plan, i) =>
        createCheckout(h.deps, withCustomer, { plan, interval: i % 4 < 2 ? "month" : "year" }),
      ),
    );
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "conflict" });
    }
    expect((await openSessions(customerId)).length).toBeLessThanOrEqual(1);
  });

  it("cancels the later of two subscriptions from two completed checkouts, with a prorated credit, whatever the syncs' order", async () => {
    const tenant = await h.newTenant();
    const customerId = await ensureCustomer(h.deps, tenant);
    // Two sessions that both stayed open (e.g. created before this rule, or by another integration).
    const session = (price: string) =>
      h.stripe.checkout.sessions.create({
        mode: "subscription",
        customer: customerId,
        client_reference_id: tenant.id,
        line_items: [{ price, quantity: 1 }],
        success_url: "https://app.test/done",
      });
    const first = await session("price_pro_monthly");
    const second = await session("price_enterprise_monthly");
    h.fake.completeCheckout(first.id);
    h.fake.clock.advance("1h");
    h.fake.completeCheckout(second.id);
    const [kept, duplicate] = [
      (await h.stripe.checkout.sessions.retrieve(first.id)).subscription as string,
      (await h.stripe.checkout.sessions.retrieve(second.id)).subscription as string,
    ];

    const observers = createObservers();
    const deps = { ...h.deps, logger: observers.logger, metrics: observers.metrics };
    const syncs = await Promise.all(Array.from({ length: 6 }, () => syncCustomer(deps, customerId)));
    expect(syncs.every((s) => s.outcome === "synced" || s.outcome === "stale")).toBe(true);
    await h.deliverPending((events) => [...events].reverse());

    const all = (await h.stripe.subscriptions.list({ customer: customerId, status: "all" })).data;
    expect(Object.fromEntries(all.map((s) => [s.id, s.status]))).toEqual({
      [kept]: "active",
      [duplicate]: "canceled",
    });
    expect((await h.tenant(tenant.id)).plan).toBe("pro");
    const deletions = (h.fake.events() as unknown as Stripe.Event[]).filter(
      (e) =>
        e.type === "customer.subscription.deleted" && (e.data.object as Stripe.Subscription).id === duplicate,
    );
    expect(deletions).toHaveLength(1);
    const finalInvoices = (await h.stripe.invoices.list({ subscription: duplicate })).data;
    expect(finalInvoices.some((invoice) => invoice.total < 0)).toBe(true);
    expect(observers.counts.get("billing_duplicate_subscriptions_canceled_total")).toBeGreaterThanOrEqual(1);
    expect(observers.lines.map((l) => l.message)).toContain("billing.sync.duplicate_subscription_canceled");
    // The tenant keeps its plan: no "your subscription was canceled" message.
    const outbox = await h.t.db.select().from(notifications).where(eq(notifications.tenantId, tenant.id));
    expect(outbox.map((n) => n.kind)).not.toContain("subscription_canceled");
  });
});
