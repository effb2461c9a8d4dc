import { notifications, subscriptions } from "@org/db";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../test/harness.js";
import { createCheckout } from "./checkout.js";
import { ensureCustomer } from "./customers.js";
import { cancelSubscription, changePlan, resumeSubscription } from "./manage.js";
import { subscriptionView } from "./subscription-view.js";
import { syncCustomer } from "./sync.js";
import { handleStripeEvent } from "./webhooks/handlers.js";

describe("billing against the Stripe stand-in (real SDK)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h?.close());

  const subscribe = (plan = "pro") => h.subscribe(plan);

  it("creates exactly one Stripe customer per tenant, even when asked 20 times at once", async () => {
    const tenant = await h.newTenant();
    const ids = await Promise.all(Array.from({ length: 20 }, () => ensureCustomer(h.deps, tenant)));
    expect(new Set(ids).size).toBe(1);
    const found = await h.stripe.customers.search({ query: `metadata['tenant_id']:'${tenant.id}'` });
    expect(found.data).toHaveLength(1);
    expect((await h.tenant(tenant.id)).stripeCustomerId).toBe(ids[0]);
  });

  it("finds the customer again by metadata when our record of it was lost", async () => {
    const tenant = await h.newTenant();
    const existing = await h.stripe.customers.create({
      email: tenant.email,
      metadata: { tenant_id: tenant.id },
    });
    expect(await ensureCustomer(h.deps, tenant)).toBe(existing.id);
  });

  it("checks out for the tenant's own customer, reuses an open session, and refuses a second subscription", async () => {
    const tenant = await h.newTenant();
    const first = await createCheckout(h.deps, tenant, { plan: "pro", interval: "month" });
    const again = await createCheckout(h.deps, tenant, { plan: "pro", interval: "month" });
    expect(again).toMatchObject({ sessionId: first.sessionId, reused: true });
    const session = await h.stripe.checkout.sessions.retrieve(first.sessionId);
    const customerId = (await h.tenant(tenant.id)).stripeCustomerId;
    expect(session).toMatchObject({
      customer: customerId,
      client_reference_id: tenant.id,
      mode: "subscription",
    });
    expect(session.metadata).toMatchObject({ tenant_id: tenant.id, tenant_slug: tenant.slug });
    h.fake.completeCheckout(first.sessionId);
    await expect(
      createCheckout(h.deps, tenant, { plan: "enterprise", interval: "month" }),
    ).rejects.toMatchObject({
      code: "subscription_exists",
    });
    await expect(createCheckout(h.deps, tenant, { plan: "free", interval: "month" })).rejects.toMatchObject({
      code: "plan_not_found",
    });
  });

  it("runs the whole lifecycle through webhooks: active, upgrade, past_due with a notification, recovery, cancel, free", async () => {
    const { tenant, customerId } = await subscribe("pro");
    await h.deliverPending();
    expect((await h.tenant(tenant.id)).plan).toBe("pro");
    expect(await subscriptionView(h.deps, tenant.id, "pro")).toMatchObject({
      status: "active",
      interval: "month",
      plan: "pro",
    });

    h.fake.clock.advance("10d");
    const upgraded = await changePlan(h.deps, tenant, {
      plan: "enterprise",
      prorationBehavior: "always_invoice",
    });
    expect(upgraded.change).toBe("upgrade");
    expect((await h.tenant(tenant.id)).plan).toBe("enterprise");

    const [sub] = (await h.stripe.subscriptions.list({ customer: customerId })).data;
    const failing = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customerId,
    });
    await h.stripe.subscriptions.update(sub!.id, { default_payment_method: failing.id });
    h.fake.clock.advanceTo(sub!.items.data[0]!.current_period_end);
    await h.deliverPending();
    const [row] = await h.t.db.select().from(subscriptions).where(eq(subscriptions.tenantId, tenant.id));
    expect(row?.status).toBe("past_due");
    expect((await h.tenant(tenant.id)).plan).toBe("enterprise"); // grace period
    const outbox = await h.t.db.select().from(notifications).where(eq(notifications.tenantId, tenant.id));
    expect(outbox.map((n) => n.kind)).toContain("payment_failed");
    expect(outbox.find((n) => n.kind === "payment_failed")?.payload).toMatchObject({
      amountDue: 49_900,
      currency: "usd",
    });

    h.fake.setPaymentFailing(failing.id, false);
    h.fake.clock.advance("3d"); // Stripe's retry succeeds
    await h.deliverPending();
    expect(
      (await h.t.db.select().from(subscriptions).where(eq(subscriptions.tenantId, tenant.id)))[0]?.status,
    ).toBe("active");

    await cancelSubscription(h.deps, tenant, { atPeriodEnd: true });
    expect(await subscriptionView(h.deps, tenant.id, "enterprise")).toMatchObject({
      status: "active",
      cancelAtPeriodEnd: true,
    });
    await resumeSubscription(h.deps, tenant);
    expect(await subscriptionView(h.deps, tenant.id, "enterprise")).toMatchObject({
      cancelAtPeriodEnd: false,
    });
    await cancelSubscription(h.deps, tenant, { atPeriodEnd: true });
    h.fake.clock.advance("32d");
    await h.deliverPending();
    expect(
      (await h.t.db.select().from(subscriptions).where(eq(subscriptions.tenantId, tenant.id)))[0]?.status,
    ).toBe("canceled");
    expect((await h.tenant(tenant.id)).plan).toBe("free");
    const kinds = (
      await h.t.db.select().from(notifications).where(eq(notifications.tenantId, tenant.id))
    ).map((n) => n.kind);
    expect(kinds.filter((k) => k === "subscription_canceled")).toHaveLength(1);
    expect(h.changed).toContain(tenant.id);
  });

  it("never lets a late 'updated: active' event reactivate a canceled subscription", async () => {
    const { tenant, customerId } = await subscribe("pro");
    await h.deliverPending();
    const events = h.fake.events() as unknown as Stripe.Event[];
    const lateActive = events.find(
      (e) =>
        e.type === "customer.subscription.updated" &&
        (e.data.object as Stripe.Subscription).status === "active",
    );
    expect(lateActive).toBeDefined();
    await cancelSubscription(h.deps, tenant, { atPeriodEnd: false });
    await h.deliverPending();
    await handleStripeEvent(h.deps, {
      ...lateActive!,
      data: { object: { ...(lateActive!.data.object as object), customer: customerId } },
    } as Stripe.Event);
    const [row] = await h.t.db.select().from(subscriptions).where(eq(subscriptions.tenantId, tenant.id));
    expect(row?.status).toBe("canceled");
    expect((await h.tenant(tenant.id)).plan).toBe("free");
  });

  it("converges to Stripe's state whatever the order and duplication of events", async () => {
    for (let round = 0; round < 5; round++) {
      const { tenant, customerId } = await subscribe(round % 2 ? "enterprise" : "pro");
      h.fake.clock.advance("5d");
      if (round % 3 === 0) await cancelSubscription(h.deps, tenant, { atPeriodEnd: round % 2 === 0 });
      else await changePlan(h.deps, tenant, { plan: round % 2 ? "pro" : "enterprise" });
      h.fake.clock.advance("40d");
      await h.deliverPending((events) => {
        const doubled = [...events, ...events.filter(() => Math.random() < 0.5)];
        return doubled.sort(() => Math.random() - 0.5);
      });
      const truth = (await h.stripe.subscriptions.list({ customer: customerId, status: "all" })).data[0]!;
      const [row] = await h.t.db
        .select()
        .from(subscriptions)
        .where(eq(subscriptions.stripeSubscriptionId, truth.id));
      expect(row?.status).toBe(truth.status);
      expect(row?.priceIds).toEqual(truth.items.data.map((i) => i.price.id));
      expect(row?.cancelAtPeriodEnd).toBe(truth.cancel_at_period_end);
    }
  }, 300_000);

  it("schedules a downgrade for the period end, and cancelling it keeps the plan", async () => {
    const { tenant } = await subscribe("enterprise");
    await h.deliverPending();
    const down = await changePlan(h.deps, tenant, { plan: "pro" });
    expect(down.change).toBe("downgrade_scheduled");
    const view = await subscriptionView(h.deps, tenant.id, (await h.tenant(tenant.id)).plan);
    expect(view.plan).toBe("enterprise");
    expect(view.scheduledChange).toMatchObject({ plan: "pro", interval: "month" });
    h.fake.clock.advance("15d");
    await syncCustomer(h.deps, tenant.stripeCustomerId);
    expect((await h.tenant(tenant.id)).plan).toBe("enterprise");
    h.fake.clock.advance("20d");
    await h.deliverPending();
    await syncCustomer(h.deps, tenant.stripeCustomerId);
    expect((await h.tenant(tenant.id)).plan).toBe("pro");

    const other = await subscribe("enterprise");
    await changePlan(h.deps, other.tenant, { plan: "pro" });
    const undo = await changePlan(h.deps, other.tenant, { plan: "enterprise" });
    expect(undo.change).toBe("scheduled_change_canceled");
    expect((await subscriptionView(h.deps, other.tenant.id, "enterprise")).scheduledChange).toBeNull();
    h.fake.clock.advance("35d");
    await syncCustomer(h.deps, other.customerId);
    expect((await h.tenant(other.tenant.id)).plan).toBe("enterprise");
  });

  it("leaves one Stripe object after a dropped response or a 500 during checkout and plan change", async () => {
    const tenant = await h.newTenant();
    await ensureCustomer(h.deps, tenant);
    // The SDK retries a closed connection once on its own: lose that answer too.
    h.fake.faults.dropResponseNext(2, { path: "/v1/checkout/sessions", method: "POST" });
    await expect(createCheckout(h.deps, tenant, { plan: "pro", interval: "month" })).rejects.toThrow();
    const retried = await createCheckout(h.deps, tenant, { plan: "pro", interval: "month" });
    const customerId = (await h.tenant(tenant.id)).stripeCustomerId!;
    const sessions = await h.stripe.checkout.sessions.list({ customer: customerId });
    expect(sessions.data).toHaveLength(1);
    expect(retried.sessionId).toBe(sessions.data[0]!.id);

    h.fake.completeCheckout(retried.sessionId);
    const withKey = { ...tenant, stripeCustomerId: customerId };
    h.fake.faults.failNext(1, { path: "/v1/subscriptions/", method: "POST", status: 500 });
    await expect(
      changePlan(h.deps, withKey, { plan: "enterprise", requestKey: "req-upgrade-1" }),
    ).rejects.toThrow();
    await changePlan(h.deps, withKey, { plan: "enterprise", requestKey: "req-upgrade-1" });
    const subs = (await h.stripe.subscriptions.list({ customer: customerId, status: "all" })).data;
    expect(subs).toHaveLength(1);
    expect(subs[0]!.items.data[0]!.price.id).toBe("price_enterprise_monthly");
    expect((await h.tenant(tenant.id)).plan).toBe("enterprise");
  });
});
