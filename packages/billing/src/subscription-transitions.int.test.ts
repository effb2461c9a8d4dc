import { subscriptionTransitions } from "@org/db";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../test/harness.js";
import { cancelSubscription } from "./manage.js";
import { syncCustomer } from "./sync.js";

describe("subscription transitions log", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h?.close());

  it("records each status change once, however often the same state is synced", async () => {
    const { tenant, customerId } = await h.subscribe("pro");
    const syncTwice = async () => {
      await syncCustomer(h.deps, customerId);
      await syncCustomer(h.deps, customerId);
    };
    await syncTwice(); // checkout completed: active

    const [sub] = (await h.stripe.subscriptions.list({ customer: customerId })).data;
    const failing = await h.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customerId,
    });
    await h.stripe.subscriptions.update(sub!.id, { default_payment_method: failing.id });
    await syncTwice(); // still active: nothing new
    h.fake.clock.advanceTo(sub!.items.data[0]!.current_period_end);
    await syncTwice(); // the renewal fails: past_due

    h.fake.setPaymentFailing(failing.id, false);
    h.fake.clock.advance("3d"); // Stripe's retry succeeds
    await syncTwice(); // active again

    h.fake.clock.advance("1d");
    await cancelSubscription(h.deps, { ...tenant, stripeCustomerId: customerId }, { atPeriodEnd: false });
    await syncTwice(); // canceled
    await h.deliverPending(); // the webhooks of all of the above change nothing more

    const rows = await h.t.db
      .select()
      .from(subscriptionTransitions)
      .where(eq(subscriptionTransitions.tenantId, tenant.id))
      .orderBy(asc(subscriptionTransitions.at), asc(subscriptionTransitions.id));
    expect(rows.map((r) => [r.stripeSubscriptionId, r.fromStatus, r.toStatus])).toEqual([
      [sub!.id, null, "active"],
      [sub!.id, "active", "past_due"],
      [sub!.id, "past_due", "active"],
      [sub!.id, "active", "canceled"],
    ]);
    expect(rows.every((r) => r.plan === "pro" && r.id.startsWith("sbt_"))).toBe(true);
    for (let i = 1; i < rows.length; i++)
      expect(rows[i]!.at.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.at.getTime());
  });
});
