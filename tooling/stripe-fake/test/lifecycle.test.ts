import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeFake, type StripeFake } from "../src/index.js";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.js";

const SECRET = "whsec_lifecycle";
const DAY = 86_400;

describe("a subscription's whole life, driven only through the stripe SDK", () => {
  let fake: StripeFake;
  let receiver: WebhookReceiver;
  let stripe: Stripe;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    fake = createStripeFake({
      webhookUrls: [receiver.url],
      webhookSecret: SECRET,
      startTime: Date.UTC(2026, 0, 15),
    });
    await fake.start(0);
    stripe = new Stripe("sk_test_lifecycle", fake.stripeConfig());
  });
  afterAll(async () => {
    await fake.stop();
    await receiver.close();
  });

  const eventsFor = (type: string, subscription?: string) =>
    receiver.received
      .map((r) => r.event)
      .filter((e) => e.type === type)
      .filter((e) => !subscription || (e.data.object as { id: string }).id === subscription);

  it("customer -> checkout -> active -> upgrade -> failed payment -> past_due -> recovery -> cancel at period end -> canceled", async () => {
    // Customer, found again by the platform's metadata search.
    const customer = await stripe.customers.create({
      email: "owner@acme.test",
      metadata: { tenant_id: "ten_acme" },
    });
    const found = await stripe.customers.search({ query: "metadata['tenant_id']:'ten_acme'" });
    expect(found.data.map((c) => c.id)).toEqual([customer.id]);

    // Checkout in subscription mode, completed by the "customer" through the fake's test helper.
    const [proMonthly] = (
      await stripe.prices.list({ lookup_keys: ["pro_monthly"], expand: ["data.product"] })
    ).data;
    expect(proMonthly?.unit_amount).toBe(4900);
    expect((proMonthly!.product as Stripe.Product).name).toBe("Pro");
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      client_reference_id: "ten_acme",
      line_items: [{ price: proMonthly!.id, quantity: 1 }],
      success_url: "https://acme.test/ok?session_id={CHECKOUT_SESSION_ID}",
      subscription_data: { metadata: { tenant_id: "ten_acme" } },
    });
    expect(session.url).toContain(`/checkout/${session.id}`);
    await stripe.rawRequest("POST", `/v1/test_helpers/checkout/sessions/${session.id}/complete`, {});
    const completed = await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription"] });
    expect(completed.status).toBe("complete");
    const sub = completed.subscription as Stripe.Subscription;
    expect(sub.status).toBe("active");
    expect(sub.metadata.tenant_id).toBe("ten_acme");

    // Upgrade to enterprise mid-period with an immediate prorated invoice.
    fake.clock.advance("15d");
    const item = sub.items.data[0]!;
    const [enterpriseMonthly] = (await stripe.prices.list({ lookup_keys: ["enterprise_monthly"] })).data;
    const upgraded = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price: enterpriseMonthly!.id }],
      proration_behavior: "always_invoice",
      expand: ["latest_invoice"],
    });
    expect(upgraded.items.data[0]!.price.id).toBe(enterpriseMonthly!.id);
    const prorationInvoice = upgraded.latest_invoice as Stripe.Invoice;
    expect(prorationInvoice.billing_reason).toBe("subscription_update");
    expect(prorationInvoice.status).toBe("paid");
    const [credit, debit] = prorationInvoice.lines.data.map((l) => l.amount);
    const { current_period_start: start, current_period_end: end } = upgraded.items.data[0]!;
    const share = (end - fake.clock.now()) / (end - start);
    expect(credit).toBe(-Math.round(4900 * share));
    expect(debit).toBe(Math.round(49_900 * share));
    expect(prorationInvoice.amount_paid).toBe(credit! + debit!);

    // The card starts failing: the renewal fails, the subscription goes past_due.
    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", {
      customer: customer.id,
    });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } });
    await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
    fake.clock.advanceTo(end);
    const pastDue = await stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(pastDue.status).toBe("past_due");
    const failedInvoice = pastDue.latest_invoice as Stripe.Invoice;
    expect(failedInvoice.status).toBe("open");
    expect(failedInvoice.amount_due).toBe(49_900);
    expect(failedInvoice.next_payment_attempt).toBe(end + 3 * DAY);

    // Recovery: a working card, the open invoice paid through the API.
    const visa = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    await stripe.subscriptions.update(sub.id, { default_payment_method: visa.id });
    const paid = await stripe.invoices.pay(failedInvoice.id, { payment_method: visa.id });
    expect(paid.status).toBe("paid");
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");

    // Cancel at period end: still active until then, canceled after.
    const canceling = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(canceling.status).toBe("active");
    expect(canceling.cancel_at_period_end).toBe(true);
    fake.clock.advance("31d");
    const canceled = await stripe.subscriptions.retrieve(sub.id);
    expect(canceled.status).toBe("canceled");
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
    expect(
      (await stripe.subscriptions.list({ customer: customer.id, status: "all" })).data.map((s) => s.id),
    ).toEqual([sub.id]);

    // Every step reached the endpoint, signed and verified by constructEvent.
    await fake.webhooks.idle();
    expect(receiver.rejected).toEqual([]);
    expect(eventsFor("checkout.session.completed")).toHaveLength(1);
    expect(eventsFor("customer.subscription.created", sub.id)).toHaveLength(1);
    const statuses = eventsFor("customer.subscription.updated", sub.id).map(
      (e) => (e.data.object as Stripe.Subscription).status,
    );
    expect(statuses).toContain("past_due");
    expect(statuses.lastIndexOf("active")).toBeGreaterThan(statuses.indexOf("past_due"));
    expect(eventsFor("invoice.payment_failed").map((e) => (e.data.object as Stripe.Invoice).id)).toEqual([
      failedInvoice.id,
    ]);
    expect(eventsFor("invoice.paid").map((e) => (e.data.object as Stripe.Invoice).id)).toContain(
      failedInvoice.id,
    );
    expect(eventsFor("customer.subscription.deleted", sub.id)).toHaveLength(1);
    const pastDueEvent = eventsFor("customer.subscription.updated", sub.id).find(
      (e) => (e.data.object as Stripe.Subscription).status === "past_due",
    );
    expect(pastDueEvent?.data.previous_attributes).toMatchObject({ status: "active" });
    // The events list holds the same events the endpoint got.
    const listed = await stripe.events.list({ type: "customer.subscription.deleted" });
    expect(listed.data.map((e) => e.id)).toEqual(eventsFor("customer.subscription.deleted").map((e) => e.id));
  });

  it("a trial ends, a renewal keeps failing through every retry, and the subscription is canceled", async () => {
    const customer = await stripe.customers.create({
      payment_method: "pm_card_chargeCustomerFail",
      invoice_settings: { default_payment_method: "pm_card_chargeCustomerFail" },
    });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_monthly" }],
      trial_period_days: 14,
    });
    expect(sub.status).toBe("trialing");
    fake.clock.advance("11d");
    await fake.webhooks.idle();
    expect(eventsFor("customer.subscription.trial_will_end", sub.id)).toHaveLength(1);
    fake.clock.advance("3d");
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    fake.clock.advance("16d");
    const final = await stripe.subscriptions.retrieve(sub.id);
    expect(final.status).toBe("canceled");
    expect(final.cancellation_details?.reason).toBe("payment_failed");
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    const renewal = invoices.data.find((i) => i.billing_reason === "subscription_cycle");
    expect(renewal?.attempt_count).toBe(4);
  });

  it("a downgrade waits for the period end through a subscription schedule", async () => {
    const customer = await stripe.customers.create({ source: "tok_visa" });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_enterprise_monthly" }],
    });
    expect(sub.status).toBe("active");
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    const phase = schedule.phases[0]!;
    await stripe.subscriptionSchedules.update(schedule.id, {
      end_behavior: "release",
      phases: [
        {
          items: [{ price: "price_enterprise_monthly", quantity: 1 }],
          start_date: phase.start_date,
          end_date: phase.end_date,
        },
        {
          items: [{ price: "price_pro_monthly", quantity: 1 }],
          duration: { interval: "month", interval_count: 1 },
        },
      ],
    });
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]!.price.id).toBe(
      "price_enterprise_monthly",
    );
    fake.clock.advanceTo(phase.end_date);
    const after = await stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(after.items.data[0]!.price.id).toBe("price_pro_monthly");
    expect((after.latest_invoice as Stripe.Invoice).amount_paid).toBe(4900);
    fake.clock.advance("32d");
    expect((await stripe.subscriptionSchedules.retrieve(schedule.id)).status).toBe("released");
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });
});
