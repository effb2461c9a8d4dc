import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeFake, type StripeFake } from "../src/index.js";

describe("paused subscriptions, cards that need authentication, upcoming invoices (through the SDK)", () => {
  let fake: StripeFake;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = createStripeFake({ startTime: Date.UTC(2026, 2, 1) });
    await fake.start(0);
    stripe = new Stripe("sk_test_states", { ...fake.stripeConfig(), maxNetworkRetries: 0 });
  });
  afterAll(() => fake.stop());

  const eventsOf = async (type: string, id?: string) => {
    const events = await stripe.events.list({ type, limit: 100 });
    return events.data.filter((e) => !id || (e.data.object as { id?: string }).id === id);
  };
  const invoiceEventsOf = async (type: string, subscription: string) => {
    const events = await stripe.events.list({ type, limit: 100 });
    return events.data.filter(
      (e) => (e.data.object as Stripe.Invoice).parent?.subscription_details?.subscription === subscription,
    );
  };
  const trialWithoutCard = async (missing: "pause" | "cancel") => {
    const customer = await stripe.customers.create({ email: `${missing}@acme.test` });
    return stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_monthly" }],
      trial_period_days: 7,
      trial_settings: { end_behavior: { missing_payment_method: missing } },
    });
  };

  it("pauses a trial that ends without a payment method, and resuming with a card invoices and activates it", async () => {
    const sub = await trialWithoutCard("pause");
    expect(sub.status).toBe("trialing");
    expect(sub.trial_settings?.end_behavior.missing_payment_method).toBe("pause");
    fake.clock.advance("8d");
    const paused = await stripe.subscriptions.retrieve(sub.id);
    expect(paused.status).toBe("paused");
    expect(await eventsOf("customer.subscription.paused", sub.id)).toHaveLength(1);
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data.map((i) => i.billing_reason)).toEqual(["subscription_create"]);
    // Paused: the clock renews nothing.
    fake.clock.advance("40d");
    expect((await stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(1);

    const card = await stripe.paymentMethods.attach("pm_card_visa", { customer: paused.customer as string });
    await stripe.customers.update(paused.customer as string, {
      invoice_settings: { default_payment_method: card.id },
    });
    const resumed = await stripe.subscriptions.resume(sub.id, { billing_cycle_anchor: { type: "now" } });
    expect(resumed.status).toBe("active");
    expect(resumed.items.data[0]?.current_period_start).toBe(Math.floor(fake.clock.now()));
    const latest = await stripe.invoices.retrieve(resumed.latest_invoice as string);
    expect(latest).toMatchObject({ status: "paid", amount_paid: 4900 });
    expect(await eventsOf("customer.subscription.resumed", sub.id)).toHaveLength(1);
  });

  it("resuming with a failing card: past_due by default, still paused until paid with resume_on_payment_success", async () => {
    const failingCard = async (customer: string) => {
      const card = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer });
      await stripe.customers.update(customer, { invoice_settings: { default_payment_method: card.id } });
    };
    const onAttempt = await trialWithoutCard("pause");
    fake.clock.advance("8d");
    await failingCard(onAttempt.customer as string);
    expect((await stripe.subscriptions.resume(onAttempt.id)).status).toBe("past_due");
    expect(await eventsOf("customer.subscription.resumed", onAttempt.id)).toHaveLength(1);

    const onSuccess = await trialWithoutCard("pause");
    fake.clock.advance("8d");
    await failingCard(onSuccess.customer as string);
    const waiting = await stripe.subscriptions.resume(onSuccess.id, {
      payment_behavior: "resume_on_payment_success",
    });
    expect(waiting.status).toBe("paused");
    expect(await eventsOf("customer.subscription.resumed", onSuccess.id)).toHaveLength(0);
    const visa = await stripe.paymentMethods.attach("pm_card_visa", {
      customer: onSuccess.customer as string,
    });
    await stripe.invoices.pay(waiting.latest_invoice as string, { payment_method: visa.id });
    expect((await stripe.subscriptions.retrieve(onSuccess.id)).status).toBe("active");
    expect(await eventsOf("customer.subscription.resumed", onSuccess.id)).toHaveLength(1);
  });

  it("cancels such a trial with missing_payment_method=cancel, and refuses to resume what is not paused", async () => {
    const sub = await trialWithoutCard("cancel");
    fake.clock.advance("8d");
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
    expect(await eventsOf("customer.subscription.paused", sub.id)).toHaveLength(0);
    const error = (await stripe.subscriptions
      .resume(sub.id)
      .catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(400);
  });

  it("a card that requires authentication leaves the first invoice open with invoice.payment_action_required", async () => {
    const customer = await stripe.customers.create({
      payment_method: "pm_card_authenticationRequired",
      invoice_settings: { default_payment_method: "pm_card_authenticationRequired" },
    });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_monthly" }],
      payment_behavior: "allow_incomplete",
    });
    expect(sub.status).toBe("incomplete");
    const actions = await invoiceEventsOf("invoice.payment_action_required", sub.id);
    expect(actions).toHaveLength(1);
    expect(actions.map((e) => (e.data.object as Stripe.Invoice).id)).toEqual([sub.latest_invoice]);
    expect((await stripe.invoices.retrieve(sub.latest_invoice as string)).status).toBe("open");
  });

  it("Checkout authenticates the card on its page, the off-session renewal then needs the customer", async () => {
    const customer = await stripe.customers.create({ email: "sca@acme.test" });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: "price_pro_monthly", quantity: 1 }],
      success_url: "https://acme.test/ok",
    });
    fake.completeCheckout(session.id, { paymentMethod: "pm_card_authenticationRequired" });
    const { subscription } = await stripe.checkout.sessions.retrieve(session.id);
    const subId = subscription as string;
    expect((await stripe.subscriptions.retrieve(subId)).status).toBe("active");
    expect(await invoiceEventsOf("invoice.payment_action_required", subId)).toHaveLength(0);

    fake.clock.advance("32d");
    const renewed = await stripe.subscriptions.retrieve(subId);
    expect(renewed.status).toBe("past_due");
    const actions = await invoiceEventsOf("invoice.payment_action_required", subId);
    expect(actions.map((e) => (e.data.object as Stripe.Invoice).billing_reason)).toEqual([
      "subscription_cycle",
    ]);
  });

  it("sends invoice.upcoming once per period, seven days before the renewal, with the coming invoice", async () => {
    const customer = await stripe.customers.create({
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_monthly" }],
    });
    const periodEnd = sub.items.data[0]?.current_period_end as number;
    const upcoming = () => invoiceEventsOf("invoice.upcoming", sub.id);
    fake.clock.advanceTo(periodEnd - 8 * 86_400);
    expect(await upcoming()).toHaveLength(0);
    fake.clock.advanceTo(periodEnd - 6 * 86_400);
    const [first] = await upcoming();
    expect(first?.created).toBe(periodEnd - 7 * 86_400);
    expect(first?.data.object).toMatchObject({ object: "invoice", amount_due: 4900, customer: customer.id });
    fake.clock.advanceTo(periodEnd - 86_400);
    expect(await upcoming()).toHaveLength(1);
    fake.clock.advance("31d");
    expect(await upcoming()).toHaveLength(2);

    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    fake.clock.advance("31d");
    expect(await upcoming()).toHaveLength(2);
  });
});
