import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeFake, type StripeFake } from "../src/index.js";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.js";

const SECRET = "whsec_control";

/** The fields these tests read from control answers. */
interface ControlAnswer {
  now: number;
  actions: number;
  code: string;
  data: unknown[];
  reset: boolean;
}

describe("the /_fake control API and the pages, for other processes", () => {
  let fake: StripeFake;
  let stripe: Stripe;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    fake = createStripeFake({ webhookSecret: SECRET });
    await fake.start(0);
    stripe = new Stripe("sk_test_control", { ...fake.stripeConfig(), maxNetworkRetries: 0 });
  });
  afterAll(async () => {
    await fake.stop();
    await receiver.close();
  });

  const control = async (method: string, path: string, payload?: unknown) => {
    const res = await fetch(`${fake.url}/_fake${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    const body = (res.status === 204 ? {} : await res.json()) as ControlAnswer;
    return { status: res.status, type: res.headers.get("content-type"), body };
  };

  it("registers a webhook endpoint, completes a checkout and advances the clock over HTTP", async () => {
    expect((await control("POST", "/webhooks/endpoints", { url: receiver.url })).status).toBe(201);
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer_email: "http@acme.test",
      line_items: [{ price: "price_pro_monthly", quantity: 1 }],
      success_url: "https://app.test/ok",
    });
    const done = await control("POST", `/checkout/sessions/${session.id}/complete`, {
      payment_method: "pm_card_visa",
    });
    expect(done.body).toMatchObject({ status: "complete", payment_status: "paid" });
    const before = (await control("GET", "/clock")).body.now;
    const advanced = await control("POST", "/clock/advance", { duration: "31d" });
    expect(advanced.body.now - before).toBe(31 * 86_400);
    expect(advanced.body.actions).toBeGreaterThanOrEqual(1);
    await control("POST", "/webhooks/idle");
    expect(receiver.types()).toContain("checkout.session.completed");
    expect(receiver.types().filter((t) => t === "invoice.paid")).toHaveLength(2);
  });

  it("injects faults and lists them until consumed", async () => {
    const created = await control("POST", "/faults", {
      kind: "error",
      count: 1,
      path: "/v1/products",
      status: 503,
    });
    expect(created.status).toBe(201);
    expect((await control("GET", "/faults")).body.data).toHaveLength(1);
    const error = await stripe.products.list().catch((e: unknown) => e);
    expect((error as Stripe.errors.StripeError).statusCode).toBe(503);
    expect((await control("GET", "/faults")).body.data).toHaveLength(0);
  });

  it("answers problem+json for bad control requests", async () => {
    const bad = await control("POST", "/faults", { kind: "meteor" });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain("application/problem+json");
    expect(bad.body.code).toBe("validation_failed");
    expect((await control("POST", "/clock/advance", { duration: "soon" })).body.code).toBe(
      "validation_failed",
    );
    expect((await control("GET", "/nothing")).status).toBe(404);
  });

  it("makes an attached card fail on demand", async () => {
    const customer = await stripe.customers.create({
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    });
    const pm = customer.invoice_settings.default_payment_method as string;
    await control("POST", `/payment_methods/${pm}/failing`, { failing: true });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: "price_pro_monthly" }],
    });
    expect(sub.status).toBe("incomplete");
  });

  it("serves a checkout page whose form pays and redirects to success_url", async () => {
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer_email: "page@acme.test",
      line_items: [{ price: "price_pro_monthly", quantity: 1 }],
      success_url: "https://app.test/ok?session_id={CHECKOUT_SESSION_ID}",
    });
    expect(await (await fetch(session.url!)).text()).toContain("Pay");
    const paid = await fetch(session.url!, {
      method: "POST",
      body: new URLSearchParams({ payment_method: "pm_card_visa", email: "page@acme.test" }),
      redirect: "manual",
    });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(`https://app.test/ok?session_id=${session.id}`);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("complete");
  });

  it("resets to the seeded catalogue", async () => {
    expect((await control("POST", "/reset")).body).toEqual({ reset: true });
    expect((await stripe.customers.list()).data).toHaveLength(0);
    expect((await stripe.prices.list({ lookup_keys: ["pro_monthly"] })).data).toHaveLength(1);
  });

  it("answers in process through app.request, with no port", async () => {
    const res = await fake.app.request("/v1/prices/price_pro_yearly", {
      headers: { authorization: "Bearer sk_test_inproc" },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { unit_amount: number }).unit_amount).toBe(49_000);
  });
});
