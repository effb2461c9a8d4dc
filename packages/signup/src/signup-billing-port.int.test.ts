import { type BillingDeps, BillingError, createStripeClient, loadPlanCatalog } from "@org/billing";
import { createStripeFake, type StripeFake } from "@org/stripe-fake";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupBillingPort } from "./signup-billing-port.js";

describe("signupBillingPort against the Stripe stand-in (real SDK)", () => {
  let fake: StripeFake;
  let stripe: Stripe;
  let port: ReturnType<typeof signupBillingPort>;
  const urls: BillingDeps["urls"] = {
    checkoutSuccess: "https://app.test/done?session_id={CHECKOUT_SESSION_ID}",
    checkoutCancel: "https://app.test/cancel",
    portalReturn: "https://app.test/",
  };

  beforeAll(async () => {
    fake = createStripeFake({ webhookSecret: "whsec_signup_port" });
    await fake.start(0);
    stripe = createStripeClient({ secretKey: "sk_test_signup", apiBase: fake.url, maxNetworkRetries: 0 });
    port = signupBillingPort({ stripe, catalog: loadPlanCatalog(), urls });
  });
  afterAll(() => fake?.stop());

  it("sells a paid plan at the intervals the catalogue prices it, and never the free plan", () => {
    expect(port.sellsPlan("pro", "month")).toBe(true);
    expect(port.sellsPlan("pro", "year")).toBe(true);
    expect(port.sellsPlan("free", "month")).toBe(false);
    expect(port.sellsPlan("no-such-plan", "month")).toBe(false);
  });

  it("creates one customer per idempotency key, however often the saga retries the step", async () => {
    const input = {
      tenantId: "ten_port1",
      email: "owner@port1.test",
      name: "Port One",
      idempotencyKey: "signup:ten_port1:customer",
    };
    const ids = await Promise.all(Array.from({ length: 5 }, () => port.createCustomer(input)));
    expect(new Set(ids.map((c) => c.id)).size).toBe(1);
    const customer = await stripe.customers.retrieve(ids[0]!.id);
    expect(customer).toMatchObject({
      email: input.email,
      name: input.name,
      metadata: { tenant_id: "ten_port1" },
    });
  });

  it("opens a subscription Checkout for the new customer, naming the tenant on the session and its subscription", async () => {
    const customer = await port.createCustomer({
      tenantId: "ten_port2",
      email: "owner@port2.test",
      name: "Port Two",
      idempotencyKey: "signup:ten_port2:customer",
    });
    const checkout = {
      tenantId: "ten_port2",
      slug: "port-two",
      customerId: customer.id,
      plan: "pro",
      interval: "year" as const,
      idempotencyKey: "signup:ten_port2:checkout",
    };
    const session = await port.createCheckoutSession(checkout);
    expect(await port.createCheckoutSession(checkout)).toEqual(session);
    expect(session.url).toMatch(/^https?:\/\//);
    const stored = await stripe.checkout.sessions.retrieve(session.id);
    const metadata = { tenant_id: "ten_port2", tenant_slug: "port-two", plan: "pro", interval: "year" };
    expect(stored).toMatchObject({
      mode: "subscription",
      customer: customer.id,
      client_reference_id: "ten_port2",
      metadata,
      success_url: urls.checkoutSuccess,
      cancel_url: urls.checkoutCancel,
    });

    const completed = fake.completeCheckout(session.id);
    const subscriptionId =
      typeof completed.subscription === "string" ? completed.subscription : completed.subscription?.id;
    const subscription = await stripe.subscriptions.retrieve(subscriptionId!);
    expect(subscription.metadata).toMatchObject(metadata);
    expect(subscription.items.data[0]?.price.id).toBe(loadPlanCatalog().priceId("pro", "year"));
  });

  it("refuses a plan that has no price for the interval, before calling Stripe", async () => {
    const attempt = port.createCheckoutSession({
      tenantId: "ten_port3",
      slug: "port-three",
      customerId: "cus_unused",
      plan: "free",
      interval: "month",
      idempotencyKey: "signup:ten_port3:checkout",
    });
    await expect(attempt).rejects.toBeInstanceOf(BillingError);
    await expect(attempt).rejects.toMatchObject({ code: "plan_not_found" });
  });

  it("deletes the customer as a compensation, and succeeds again when it is already gone", async () => {
    const customer = await port.createCustomer({
      tenantId: "ten_port4",
      email: "owner@port4.test",
      name: "Port Four",
      idempotencyKey: "signup:ten_port4:customer",
    });
    await port.deleteCustomer(customer.id);
    await port.deleteCustomer(customer.id);
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({ deleted: true });
  });
});
