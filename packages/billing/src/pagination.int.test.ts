import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../test/harness.js";
import { createCheckout } from "./checkout.js";
import { ensureCustomer } from "./customers.js";
import { cancelSubscription } from "./manage.js";

describe("Stripe lists read past their first page", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h?.close());

  /** A tenant whose live (trialing) subscription is older than 25 cancelled ones, so not on page one. */
  async function liveBehindCanceled() {
    const tenant = await h.newTenant();
    const customerId = await ensureCustomer(h.deps, tenant);
    const trial = (price: string) =>
      h.stripe.subscriptions.create({
        customer: customerId,
        items: [{ price, quantity: 1 }],
        trial_period_days: 14,
      });
    const live = await trial("price_pro_monthly");
    for (let i = 0; i < 25; i++) await h.stripe.subscriptions.cancel((await trial("price_pro_monthly")).id);
    return { tenant: { ...tenant, stripeCustomerId: customerId }, customerId, live };
  }

  it("refuses a checkout when the live subscription is behind 25 cancelled ones", async () => {
    const { tenant, live } = await liveBehindCanceled();
    await expect(
      createCheckout(h.deps, tenant, { plan: "enterprise", interval: "month" }),
    ).rejects.toMatchObject({
      code: "subscription_exists",
      message: expect.stringContaining(live.id),
    });
  });

  it("cancels the live subscription even when it is behind 25 cancelled ones", async () => {
    const { tenant, live } = await liveBehindCanceled();
    await cancelSubscription(h.deps, tenant, { atPeriodEnd: true });
    expect((await h.stripe.subscriptions.retrieve(live.id)).cancel_at_period_end).toBe(true);
  });

  it("keeps handing out new checkouts to a customer with more than 100 expired sessions", async () => {
    const tenant = await h.newTenant();
    const customerId = await ensureCustomer(h.deps, tenant);
    const withCustomer = { ...tenant, stripeCustomerId: customerId };
    for (let i = 0; i < 101; i++) {
      const session = await h.stripe.checkout.sessions.create({
        mode: "subscription",
        customer: customerId,
        line_items: [{ price: "price_pro_monthly", quantity: 1 }],
        metadata: { plan: "pro", interval: "month" },
        success_url: "https://app.test/ok",
      });
      await h.stripe.checkout.sessions.expire(session.id);
    }
    // Each checkout's session expires (abandoned, or Stripe's 24 h), and the tenant asks again.
    const sessionIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const checkout = await createCheckout(h.deps, withCustomer, { plan: "pro", interval: "month" });
      expect(checkout.reused).toBe(false);
      expect((await h.stripe.checkout.sessions.retrieve(checkout.sessionId)).status).toBe("open");
      sessionIds.push(checkout.sessionId);
      await h.stripe.checkout.sessions.expire(checkout.sessionId);
    }
    expect(new Set(sessionIds).size).toBe(3);
  });

  it("reuses an open session for the same plan when more than 100 newer sessions exist", async () => {
    const tenant = await h.newTenant();
    const customerId = await ensureCustomer(h.deps, tenant);
    const withCustomer = { ...tenant, stripeCustomerId: customerId };
    const first = await createCheckout(h.deps, withCustomer, { plan: "pro", interval: "month" });
    // Sessions made elsewhere (e.g. another integration) and expired, all newer than ours.
    for (let i = 0; i < 101; i++) {
      const session = await h.stripe.checkout.sessions.create({
        mode: "subscription",
        customer: customerId,
        line_items: [{ price: "price_pro_monthly", quantity: 1 }],
        success_url: "https://app.test/ok",
      });
      await h.stripe.checkout.sessions.expire(session.id);
    }
    const again = await createCheckout(h.deps, withCustomer, { plan: "pro", interval: "month" });
    expect(again).toMatchObject({ sessionId: first.sessionId, reused: true });
  });
});
