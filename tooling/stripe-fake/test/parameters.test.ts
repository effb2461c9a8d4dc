import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCEPTED_PARAMS } from "../src/accepted-params.js";
import { createStripeFake, type StripeFake } from "../src/index.js";

describe("parameters, as Stripe documents them", () => {
  let fake: StripeFake;
  let stripe: Stripe;

  beforeAll(async () => {
    fake = createStripeFake();
    await fake.start(0);
    stripe = new Stripe("sk_test_params", { ...fake.stripeConfig(), maxNetworkRetries: 0 });
  });
  afterAll(() => fake.stop());

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.fail("the request succeeded"),
      (error: unknown) => error as Stripe.errors.StripeError,
    );

  it("refuses an unknown parameter with Stripe's parameter_unknown and creates nothing", async () => {
    const before = fake.store.all("customer").length;
    const error = await failure(
      stripe.customers.create({ emali: "owner@acme.test" } as Stripe.CustomerCreateParams),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(400);
    expect(error.type).toBe("StripeInvalidRequestError");
    expect(error.raw).toMatchObject({
      type: "invalid_request_error",
      code: "parameter_unknown",
      param: "emali",
    });
    expect(error.message).toBe("Received unknown parameter: emali");
    expect(fake.store.all("customer")).toHaveLength(before);
  });

  it("names unknown nested parameters as they are spelled on the wire", async () => {
    const address = await failure(
      stripe.customers.create({ address: { town: "Paris" } } as unknown as Stripe.CustomerCreateParams),
    );
    expect(address.param).toBe("address[town]");
    const customer = await stripe.customers.create({ email: "items@acme.test" });
    const item = await failure(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: "price_pro_monthly" }, { price: "price_pro_monthly", colour: "red" }],
      } as Stripe.SubscriptionCreateParams),
    );
    expect(item.param).toBe("items[1][colour]");
    const query = await failure(stripe.customers.list({ colour: "red" } as Stripe.CustomerListParams));
    expect(query).toMatchObject({ code: "parameter_unknown", param: "colour", statusCode: 400 });
  });

  it("does not save an unknown-parameter error under the idempotency key (validation runs first)", async () => {
    await failure(
      stripe.customers.create({ nmae: "typo" } as Stripe.CustomerCreateParams, {
        idempotencyKey: "key-typo",
      }),
    );
    const fixed = await stripe.customers.create({ name: "typo" }, { idempotencyKey: "key-typo" });
    expect(fixed.name).toBe("typo");
    expect(fixed.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("accepts every parameter the SDK types for an endpoint (expand, pagination, old-version fields)", async () => {
    const customer = await stripe.customers.create({
      email: "all@acme.test",
      validate: true,
      tax: { validate_location: "deferred" },
      expand: ["subscriptions"],
    });
    expect(customer.subscriptions?.data).toEqual([]);
    const page = await stripe.customers.list({ limit: 1, created: { gte: 0 }, email: "all@acme.test" });
    expect(page.data.map((c) => c.id)).toEqual([customer.id]);
  });

  it("stores and returns the customer's documented fields on create and update", async () => {
    const address = { line1: "1 Rue de Rivoli", city: "Paris", postal_code: "75001", country: "FR" };
    const created = await stripe.customers.create({
      email: "billing@acme.test",
      name: "Acme",
      business_name: "Acme SAS",
      phone: "+33100000000",
      description: "first customer",
      address,
      shipping: { name: "Acme depot", phone: "+33100000001", address: { ...address, line2: "Bât. B" } },
      preferred_locales: ["fr", "en"],
      tax_exempt: "reverse",
      invoice_prefix: "ACME",
      next_invoice_sequence: 7,
      balance: -500,
      invoice_settings: {
        footer: "Merci",
        custom_fields: [{ name: "VAT", value: "FR123" }],
        rendering_options: { amount_tax_display: "exclude_tax" },
      },
    });
    const fetched = await stripe.customers.retrieve(created.id);
    expect(fetched).toMatchObject({
      business_name: "Acme SAS",
      phone: "+33100000000",
      description: "first customer",
      address: { ...address, line2: null, state: null },
      shipping: {
        name: "Acme depot",
        phone: "+33100000001",
        address: { ...address, line2: "Bât. B", state: null },
      },
      preferred_locales: ["fr", "en"],
      tax_exempt: "reverse",
      invoice_prefix: "ACME",
      next_invoice_sequence: 7,
      balance: -500,
      invoice_settings: {
        footer: "Merci",
        custom_fields: [{ name: "VAT", value: "FR123" }],
        rendering_options: { amount_tax_display: "exclude_tax", template: null },
        default_payment_method: null,
      },
    });
    const updated = await stripe.customers.update(created.id, {
      phone: "",
      shipping: "",
      preferred_locales: ["de"],
      invoice_settings: { footer: "Danke" },
    });
    expect(updated).toMatchObject({ phone: null, shipping: null, preferred_locales: ["de"] });
    expect(updated.invoice_settings).toMatchObject({
      footer: "Danke",
      custom_fields: [{ name: "VAT", value: "FR123" }],
    });
  });

  it("stores and returns the documented fields of products, checkout sessions and portal sessions", async () => {
    const product = await stripe.products.create({
      name: "Seats",
      statement_descriptor: "ACME SEATS",
      unit_label: "seat",
      tax_code: "txcd_10103001",
      shippable: false,
      images: ["https://acme.test/seat.png"],
      marketing_features: [{ name: "SSO" }],
    });
    expect(await stripe.products.retrieve(product.id)).toMatchObject({
      statement_descriptor: "ACME SEATS",
      unit_label: "seat",
      tax_code: "txcd_10103001",
      shippable: false,
      images: ["https://acme.test/seat.png"],
      marketing_features: [{ name: "SSO" }],
    });
    expect((await stripe.products.update(product.id, { unit_label: "" })).unit_label).toBeNull();

    const customer = await stripe.customers.create({ email: "sessions@acme.test" });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: "price_pro_monthly", quantity: 1 }],
      success_url: "https://acme.test/ok",
      locale: "fr",
      allow_promotion_codes: true,
      billing_address_collection: "required",
      payment_method_collection: "if_required",
      submit_type: "subscribe",
      subscription_data: {
        trial_period_days: 14,
        trial_settings: { end_behavior: { missing_payment_method: "pause" } },
      },
    });
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
      locale: "fr",
      allow_promotion_codes: true,
      billing_address_collection: "required",
      payment_method_collection: "if_required",
      payment_method_types: ["card"],
      submit_type: "subscribe",
      ui_mode: "hosted",
    });
    fake.completeCheckout(session.id);
    const { subscription } = await stripe.checkout.sessions.retrieve(session.id, {
      expand: ["subscription"],
    });
    expect((subscription as Stripe.Subscription).trial_settings?.end_behavior.missing_payment_method).toBe(
      "pause",
    );

    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: "https://acme.test/account",
      locale: "de",
      on_behalf_of: "acct_1",
    });
    expect(portal).toMatchObject({
      locale: "de",
      on_behalf_of: "acct_1",
      return_url: "https://acme.test/account",
    });
  });

  it("declares the accepted parameters of every /v1 route it serves", () => {
    const routes = fake.app.routes.filter((r) => r.path.startsWith("/v1/") && !r.path.includes("*"));
    expect(routes.length).toBeGreaterThan(70);
    const undeclared = routes
      .map((r) => `${r.method} ${r.path}`)
      .filter((endpoint) => !ACCEPTED_PARAMS[endpoint]);
    expect(undeclared).toEqual([]);
  });
});
