import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeFake, type StripeFake } from "../src/index.js";

describe("resources through the SDK", () => {
  let fake: StripeFake;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = createStripeFake({ billing: { afterFinalFailure: "unpaid", paymentRetryDays: [1] } });
    await fake.start(0);
    stripe = new Stripe("sk_test_resources", fake.stripeConfig());
  });
  afterAll(() => fake.stop());

  const payingCustomer = (extra: Stripe.CustomerCreateParams = {}) =>
    stripe.customers.create({
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
      ...extra,
    });

  it("paginates lists newest first with has_more and starting_after, and auto-pagination walks them all", async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++)
      created.push((await stripe.customers.create({ metadata: { batch: "pages" } })).id);
    const first = await stripe.customers.list({ limit: 2 });
    expect(first.data.map((c) => c.id)).toEqual([created[4], created[3]]);
    expect(first.has_more).toBe(true);
    const second = await stripe.customers.list({ limit: 2, starting_after: created[3] });
    expect(second.data.map((c) => c.id)).toEqual([created[2], created[1]]);
    const all: string[] = [];
    for await (const customer of stripe.customers.list({ limit: 2 })) all.push(customer.id);
    expect(all.slice(0, 5)).toEqual([...created].reverse());
    const page = await stripe.customers.search({ query: "metadata['batch']:'pages'", limit: 3 });
    expect(page.data).toHaveLength(3);
    expect(page.has_more).toBe(true);
    const rest = await stripe.customers.search({
      query: "metadata['batch']:'pages'",
      limit: 3,
      page: page.next_page!,
    });
    expect(rest.data).toHaveLength(2);
  });

  it("expands nested ids, including inside lists, and refuses what cannot be expanded", async () => {
    const customer = await payingCustomer();
    await stripe.subscriptions.create({ customer: customer.id, items: [{ price: "price_pro_monthly" }] });
    const list = await stripe.subscriptions.list({
      customer: customer.id,
      expand: ["data.customer", "data.latest_invoice", "data.items.data.price.product"],
    });
    const sub = list.data[0]!;
    expect((sub.customer as Stripe.Customer).id).toBe(customer.id);
    expect((sub.latest_invoice as Stripe.Invoice).object).toBe("invoice");
    expect((sub.items.data[0]!.price.product as Stripe.Product).id).toBe("prod_pro");
    const withSubs = await stripe.customers.retrieve(customer.id, {
      expand: ["subscriptions", "invoice_settings.default_payment_method"],
    });
    expect((withSubs as Stripe.Customer).subscriptions?.data).toHaveLength(1);
    expect(
      ((withSubs as Stripe.Customer).invoice_settings.default_payment_method as Stripe.PaymentMethod).card
        ?.last4,
    ).toBe("4242");
    const error = await stripe.customers
      .retrieve(customer.id, { expand: ["nonsense"] })
      .catch((e: unknown) => e);
    expect((error as Stripe.errors.StripeError).message).toMatch(/cannot be expanded/);
  });

  it("legacy plans and token sources work like prices and payment methods", async () => {
    const plan = await stripe.plans.create({
      amount: 2500,
      currency: "usd",
      interval: "month",
      product: { name: "Legacy" },
    });
    expect(plan.object).toBe("plan");
    const customer = await stripe.customers.create({ source: "tok_visa" });
    expect(customer.default_source).toMatch(/^card_/);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ plan: plan.id }] });
    expect(sub.status).toBe("active");
    expect(sub.items.data[0]!.plan.amount).toBe(2500);
    expect((await stripe.plans.retrieve(plan.id)).interval).toBe("month");
  });

  it("a customer without a card gets an incomplete subscription that paying its invoice activates", async () => {
    const customer = await stripe.customers.create({ email: "nocard@acme.test" });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_yearly" }],
    });
    expect(sub.status).toBe("incomplete");
    const pm = await stripe.paymentMethods.attach("pm_card_mastercard", { customer: customer.id });
    const invoice = await stripe.invoices.pay(sub.latest_invoice as string, { payment_method: pm.id });
    expect(invoice.amount_paid).toBe(49_000);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
    const other = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_monthly" }],
      payment_behavior: "default_incomplete",
    });
    expect(other.status).toBe("incomplete");
    fake.clock.advance("24h");
    expect((await stripe.subscriptions.retrieve(other.id)).status).toBe("incomplete_expired");
  });

  it("error_if_incomplete answers the card error", async () => {
    const customer = await stripe.customers.create({
      payment_method: "pm_card_chargeCustomerFail",
      invoice_settings: { default_payment_method: "pm_card_chargeCustomerFail" },
    });
    const error = await stripe.subscriptions
      .create({
        customer: customer.id,
        items: [{ price: "price_pro_monthly" }],
        payment_behavior: "error_if_incomplete",
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((error as Stripe.errors.StripeCardError).decline_code).toBe("generic_decline");
  });

  it("create_prorations leaves pending items that the next renewal invoices; none leaves nothing", async () => {
    const customer = await payingCustomer();
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_monthly", quantity: 1 }],
    });
    fake.clock.advance("10d");
    const item = sub.items.data[0]!;
    await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, quantity: 3 }] });
    const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(pending.data).toHaveLength(2);
    expect(pending.data.every((ii) => ii.proration)).toBe(true);
    await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, quantity: 2 }],
      proration_behavior: "none",
    });
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toHaveLength(2);
    fake.clock.advanceTo(item.current_period_end);
    const renewal = (await stripe.invoices.list({ subscription: sub.id })).data[0]!;
    expect(renewal.billing_reason).toBe("subscription_cycle");
    const prorations = pending.data.reduce((t, ii) => t + ii.amount, 0);
    expect(renewal.total).toBe(2 * 4900 + prorations);
    expect(renewal.status).toBe("paid");
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toHaveLength(0);
  });

  it("switching to a yearly price resets the billing cycle and invoices at once", async () => {
    const customer = await payingCustomer();
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_monthly" }],
    });
    fake.clock.advance("5d");
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: "price_pro_yearly" }],
      expand: ["latest_invoice"],
    });
    const item = updated.items.data[0]!;
    expect(item.current_period_start).toBe(fake.clock.now());
    expect(item.current_period_end - item.current_period_start).toBeGreaterThanOrEqual(365 * 86_400);
    const invoice = updated.latest_invoice as Stripe.Invoice;
    expect(invoice.status).toBe("paid");
    expect(invoice.lines.data.some((l) => l.amount === 49_000)).toBe(true);
    expect(invoice.lines.data.some((l) => l.amount < 0)).toBe(true);
  });

  it("with afterFinalFailure 'unpaid' the subscription ends unpaid, and paying recovers it", async () => {
    const customer = await stripe.customers.create({
      payment_method: "pm_card_chargeCustomerFail",
      invoice_settings: { default_payment_method: "pm_card_chargeCustomerFail" },
    });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_monthly" }],
      trial_period_days: 1,
    });
    fake.clock.advance("1d");
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due");
    fake.clock.advance("1d");
    const unpaid = await stripe.subscriptions.retrieve(sub.id);
    expect(unpaid.status).toBe("unpaid");
    const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
    await stripe.invoices.pay(unpaid.latest_invoice as string, { payment_method: pm.id });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
  });

  it("deleting a customer cancels its subscriptions; the deleted customer still answers", async () => {
    const customer = await payingCustomer();
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_monthly" }],
    });
    const deleted = await stripe.customers.del(customer.id);
    expect(deleted.deleted).toBe(true);
    expect((await stripe.customers.retrieve(customer.id)).deleted).toBe(true);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("canceled");
    const gone = await stripe.customers.update(customer.id, { name: "x" }).catch((e: unknown) => e);
    expect((gone as Stripe.errors.StripeError).code).toBe("resource_missing");
  });

  it("meter events are deduplicated by identifier and summarised per customer", async () => {
    const customer = await payingCustomer();
    const send = (identifier: string, value: number) =>
      stripe.billing.meterEvents.create({
        event_name: "tokens",
        identifier,
        payload: { stripe_customer_id: customer.id, value: String(value) },
      });
    await Promise.all([send("u1", 100), send("u1", 100), send("u2", 50)]);
    const summaries = await stripe.billing.meters.listEventSummaries("mtr_tokens", {
      customer: customer.id,
      start_time: fake.clock.now() - 60,
      end_time: fake.clock.now() + 60,
    });
    expect(summaries.data[0]?.aggregated_value).toBe(150);
    const bad = await stripe.billing.meterEvents
      .create({ event_name: "tokens", payload: { stripe_customer_id: customer.id, value: "lots" } })
      .catch((e: unknown) => e);
    expect((bad as Stripe.errors.StripeError).param).toBe("payload[value]");
  });

  it("metered prices bill the period's usage at renewal", async () => {
    const overage = await stripe.prices.create({
      product: "prod_pro",
      currency: "usd",
      unit_amount: 50,
      recurring: { interval: "month", usage_type: "metered", meter: "mtr_api_calls" },
      transform_quantity: { divide_by: 1000, round: "up" },
    });
    const customer = await payingCustomer();
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_monthly" }, { price: overage.id }],
    });
    await stripe.billing.meterEvents.create({
      event_name: "api_calls",
      payload: { stripe_customer_id: customer.id, value: "2500" },
    });
    fake.clock.advanceTo(sub.items.data[0]!.current_period_end);
    const renewal = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0]!;
    expect(renewal.total).toBe(4900 + 3 * 50);
  });

  it("checkout sessions list, expire and refuse completion once expired", async () => {
    const customer = await payingCustomer();
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: "price_enterprise_yearly", quantity: 1 }],
      success_url: "https://app.test/ok",
    });
    expect(
      (await stripe.checkout.sessions.list({ customer: customer.id, status: "open" })).data.map((s) => s.id),
    ).toEqual([session.id]);
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    expect(items.data[0]?.amount_total).toBe(499_000);
    await stripe.checkout.sessions.expire(session.id);
    const error = await stripe
      .rawRequest("POST", `/v1/test_helpers/checkout/sessions/${session.id}/complete`, {})
      .catch((e: unknown) => e);
    expect((error as Stripe.errors.StripeError).statusCode).toBe(400);
  });

  it("billing portal sessions point at a page of the fake", async () => {
    const customer = await payingCustomer();
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: "https://app.test/billing",
    });
    expect(portal.url).toBe(`${fake.url}/billing_portal/${portal.id}`);
    const page = await fetch(portal.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("https://app.test/billing");
  });
});

describe("Stripe's test clock API", () => {
  it("advancing any test clock through the SDK moves the fake's timeline and renews subscriptions", async () => {
    const fake = createStripeFake();
    await fake.start(0);
    const stripe = new Stripe("sk_test_clocks", fake.stripeConfig());
    try {
      const clock = await stripe.testHelpers.testClocks.create({ frozen_time: fake.clock.now() });
      const customer = await stripe.customers.create({ source: "tok_visa" });
      const sub = await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: "price_pro_monthly" }],
      });
      const end = sub.items.data[0]!.current_period_end;
      const advanced = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 60 });
      expect(advanced.frozen_time).toBe(end + 60);
      expect((await stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(2);
    } finally {
      await fake.stop();
    }
  });
});

describe("cancel_at", () => {
  it("a cancel_at inside the period cancels at that time", async () => {
    const fake = createStripeFake();
    await fake.start(0);
    const stripe = new Stripe("sk_test_cancel_at", fake.stripeConfig());
    try {
      const customer = await stripe.customers.create({ source: "tok_visa" });
      const sub = await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: "price_pro_monthly" }],
      });
      const at = fake.clock.now() + 10 * 86_400;
      await stripe.subscriptions.update(sub.id, { cancel_at: at });
      fake.clock.advance("9d");
      expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
      fake.clock.advance("1d");
      const canceled = await stripe.subscriptions.retrieve(sub.id);
      expect(canceled.status).toBe("canceled");
      expect(canceled.ended_at).toBe(at);

      // Resuming (the platform's "undo cancel") keeps the subscription past its period end.
      const other = await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: "price_pro_monthly" }],
      });
      await stripe.subscriptions.update(other.id, { cancel_at_period_end: true });
      const resumed = await stripe.subscriptions.update(other.id, { cancel_at_period_end: false });
      expect(resumed.cancel_at).toBeNull();
      fake.clock.advance("32d");
      expect((await stripe.subscriptions.retrieve(other.id)).status).toBe("active");
    } finally {
      await fake.stop();
    }
  });
});

describe("invoice previews", () => {
  it("preview totals match what the change then bills, and a preview changes nothing", async () => {
    const fake = createStripeFake();
    await fake.start(0);
    const stripe = new Stripe("sk_test_preview", fake.stripeConfig());
    try {
      const customer = await stripe.customers.create({ source: "tok_visa" });
      const sub = await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: "price_pro_monthly" }],
      });
      fake.clock.advance("12d");
      const item = sub.items.data[0]!;
      const eventsBefore = fake.events().length;
      const next = await stripe.invoices.createPreview({
        subscription: sub.id,
        subscription_details: {
          items: [{ id: item.id, price: "price_enterprise_monthly" }],
          proration_behavior: "create_prorations",
        },
      });
      const immediate = await stripe.invoices.createPreview({
        subscription: sub.id,
        subscription_details: {
          items: [{ id: item.id, price: "price_enterprise_monthly" }],
          proration_behavior: "always_invoice",
        },
      });
      expect(fake.events()).toHaveLength(eventsBefore);
      expect(next.total).toBe(49_900 + immediate.total);
      expect(immediate.lines.data.map((l) => Math.sign(l.amount))).toEqual([-1, 1]);
      const updated = await stripe.subscriptions.update(sub.id, {
        items: [{ id: item.id, price: "price_enterprise_monthly" }],
        proration_behavior: "always_invoice",
        expand: ["latest_invoice"],
      });
      expect((updated.latest_invoice as Stripe.Invoice).total).toBe(immediate.total);
      const none = await stripe.invoices
        .createPreview({ customer: (await stripe.customers.create()).id })
        .catch((e: unknown) => e);
      expect((none as Stripe.errors.StripeError).code).toBe("invoice_upcoming_none");
    } finally {
      await fake.stop();
    }
  });
});
