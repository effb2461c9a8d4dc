import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../test/harness.js";
import { previewPlanChange } from "./preview.js";

describe("plan change preview (Stripe invoice preview through the SDK)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  }, 60_000);
  afterAll(() => h?.close());

  it("prorates an upgrade by the time left: the new price's rest of the period minus the old one's unused time", async () => {
    const { tenant } = await h.subscribe("pro");
    h.fake.clock.advance("10d");
    const preview = await previewPlanChange(h.deps, tenant, { plan: "enterprise" });
    expect(preview).toMatchObject({ plan: "enterprise", interval: "month", currency: "usd" });
    const prorations = preview.lines.filter((l) => l.proration);
    expect(prorations).toHaveLength(2);
    const credit = prorations.find((l) => l.amount < 0)!.amount;
    const charge = prorations.find((l) => l.amount > 0)!.amount;
    // Same share of the period on both sides: the charge is the credit scaled by the price ratio.
    expect(Math.abs(Math.abs(credit) * (49_900 / 4_900) - charge)).toBeLessThanOrEqual(11);
    expect(charge).toBeLessThan(49_900);
    expect(preview.amountDue).toBe(charge + credit);
    // Nothing changed on Stripe.
    const subs = await h.stripe.subscriptions.list({ customer: tenant.stripeCustomerId });
    expect(subs.data[0]!.items.data[0]!.price.id).toBe(h.deps.catalog.priceId("pro", "month"));
  });

  it("refuses an unknown plan and a tenant without a subscription", async () => {
    const { tenant } = await h.subscribe("pro");
    await expect(previewPlanChange(h.deps, tenant, { plan: "platinum" })).rejects.toMatchObject({
      code: "plan_not_found",
    });
    const free = await h.newTenant("free");
    await expect(previewPlanChange(h.deps, free, { plan: "pro" })).rejects.toMatchObject({
      code: "subscription_not_found",
    });
  });
});
