import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeFake, type StripeFake } from "../src/index.js";

describe("payment_behavior=pending_if_incomplete, driven through the stripe SDK", () => {
  let fake: StripeFake;
  let stripe: Stripe;
  beforeAll(async () => {
    fake = createStripeFake({ startTime: Date.UTC(2026, 0, 15) });
    await fake.start(0);
    stripe = new Stripe("sk_test_pending", { ...fake.stripeConfig(), maxNetworkRetries: 0 });
  });
  afterAll(() => fake.stop());

  const eventTypes = (subscription: string) =>
    (fake.events() as unknown as Stripe.Event[])
      .filter((e) => (e.data.object as { id?: string }).id === subscription)
      .map((e) => e.type);

  /** An active pro subscription whose card has started to fail, and an upgrade to enterprise. */
  async function failedUpgrade() {
    const customer = await stripe.customers.create({ source: "tok_visa" });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_monthly" }],
    });
    fake.clock.advance("10d");
    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customer.id,
    });
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: "price_enterprise_monthly" }],
      proration_behavior: "always_invoice",
      payment_behavior: "pending_if_incomplete",
    });
    return { customer, sub, updated };
  }

  it("keeps the subscription as it was while the change's invoice is unpaid, then discards the change when it expires", async () => {
    const { sub, updated } = await failedUpgrade();
    expect(updated.status).toBe("active");
    expect(updated.items.data[0]?.price.id).toBe("price_pro_monthly");
    expect(updated.pending_update?.subscription_items?.[0]?.price.id).toBe("price_enterprise_monthly");
    const invoice = await stripe.invoices.retrieve(updated.latest_invoice as string);
    expect(invoice.status).toBe("open");
    expect(eventTypes(sub.id)).not.toContain("customer.subscription.pending_update_applied");

    fake.clock.advance("23h");
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.pending_update).toBeNull();
    expect(after.status).toBe("active");
    expect(after.items.data[0]?.price.id).toBe("price_pro_monthly");
    expect((await stripe.invoices.retrieve(invoice.id!)).status).toBe("void");
    expect(eventTypes(sub.id)).toContain("customer.subscription.pending_update_expired");
  });

  it("applies the change once its invoice is paid", async () => {
    const { customer, sub, updated } = await failedUpgrade();
    const card = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    await stripe.invoices.pay(updated.latest_invoice as string, { payment_method: card.id });
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.pending_update).toBeNull();
    expect(after.items.data[0]?.price.id).toBe("price_enterprise_monthly");
    expect(eventTypes(sub.id)).toContain("customer.subscription.pending_update_applied");
  });

  it("discards the change when its invoice is voided", async () => {
    const { sub, updated } = await failedUpgrade();
    await stripe.invoices.voidInvoice(updated.latest_invoice as string);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.pending_update).toBeNull();
    expect(after.items.data[0]?.price.id).toBe("price_pro_monthly");
    expect(eventTypes(sub.id)).toContain("customer.subscription.pending_update_expired");
  });

  it("applies at once when the payment succeeds, and refuses an unknown payment_behavior", async () => {
    const customer = await stripe.customers.create({ source: "tok_visa" });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_monthly" }],
    });
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: "price_enterprise_monthly" }],
      proration_behavior: "always_invoice",
      payment_behavior: "pending_if_incomplete",
    });
    expect(updated.pending_update).toBeNull();
    expect(updated.items.data[0]?.price.id).toBe("price_enterprise_monthly");
    await expect(
      stripe.subscriptions.update(sub.id, {
        payment_behavior: "sometimes" as Stripe.SubscriptionUpdateParams.PaymentBehavior,
      }),
    ).rejects.toMatchObject({ param: "payment_behavior" });
  });
});
