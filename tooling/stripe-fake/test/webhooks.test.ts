import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createStripeFake, type StripeFake, signPayload } from "../src/index.js";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.js";

const SECRET = "whsec_switches";

describe("webhook delivery and its switches", () => {
  let fake: StripeFake;
  let receiver: WebhookReceiver;
  let stripe: Stripe;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    fake = createStripeFake({
      webhookUrls: [receiver.url],
      webhookSecret: SECRET,
      webhookRetryDelaysMs: [10, 10, 10],
      seed: 7,
    });
    await fake.start(0);
    stripe = new Stripe("sk_test_hooks", fake.stripeConfig());
  });
  afterEach(async () => {
    await fake.webhooks.idle();
    fake.webhooks.configure({ duplicateRate: 0, shuffle: false, delayMs: 0, dropRate: 0 });
    receiver.received.length = 0;
  });
  afterAll(async () => {
    await fake.stop();
    await receiver.close();
  });

  const createCustomers = async (count: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await stripe.customers.create({ name: `c${i}` })).id);
    return ids;
  };
  const receivedCustomerIds = () =>
    receiver.received
      .filter((r) => r.event.type === "customer.created")
      .map((r) => (r.event.data.object as Stripe.Customer).id);

  it("signs exactly like Stripe: the SDK's test header for the same payload and time is identical", () => {
    const payload = JSON.stringify({ id: "evt_1", object: "event" });
    const timestamp = 1_700_000_000;
    const expected = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp });
    expect(signPayload(payload, SECRET, timestamp)).toBe(expected);
    expect(() =>
      stripe.webhooks.constructEvent(payload, signPayload(payload, "whsec_other"), SECRET),
    ).toThrow();
  });

  it("retries a failing endpoint until it answers 2xx", async () => {
    receiver.failNext(2, 503);
    const [id] = await createCustomers(1);
    await fake.webhooks.idle();
    expect(receivedCustomerIds()).toEqual([id]);
    const attempts = fake.webhooks
      .deliveries()
      .filter((d) => d.type === "customer.created" && d.outcome !== "dropped");
    expect(attempts.slice(-3).map((d) => [d.attempt, d.outcome, d.status])).toEqual([
      [1, "failed", 503],
      [2, "failed", 503],
      [3, "delivered", 200],
    ]);
  });

  it("delivers every event twice with duplicateRate 1 (same event id)", async () => {
    fake.webhooks.configure({ duplicateRate: 1 });
    const ids = await createCustomers(3);
    await fake.webhooks.idle();
    expect(receivedCustomerIds()).toEqual(ids.flatMap((id) => [id, id]));
    const eventIds = receiver.received.map((r) => r.event.id);
    expect(new Set(eventIds).size).toBe(eventIds.length / 2);
  });

  it("shuffles the order of queued events", async () => {
    fake.webhooks.configure({ shuffle: true });
    const sub = await stripe.subscriptions.create({
      customer: (
        await stripe.customers.create({
          payment_method: "pm_card_visa",
          invoice_settings: { default_payment_method: "pm_card_visa" },
        })
      ).id,
      items: [{ price: "price_pro_monthly" }],
    });
    await fake.webhooks.idle();
    const emitted = fake
      .events()
      .filter((e) => e.request?.id)
      .map((e) => e.id);
    const received = receiver.received.map((r) => r.event.id);
    expect(new Set(received)).toEqual(new Set(emitted.filter((id) => received.includes(id))));
    expect(received.length).toBeGreaterThanOrEqual(9);
    const order = emitted.filter((id) => received.includes(id));
    expect(received).not.toEqual(order);
    expect(sub.status).toBe("active");
  });

  it("drops deliveries (dropNext and dropRate) while the events list keeps them", async () => {
    fake.webhooks.dropNext(2);
    const ids = await createCustomers(3);
    await fake.webhooks.idle();
    expect(receivedCustomerIds()).toEqual([ids[2]]);
    fake.webhooks.configure({ dropRate: 1 });
    const [lost] = await createCustomers(1);
    await fake.webhooks.idle();
    expect(receivedCustomerIds()).not.toContain(lost);
    const listed = await stripe.events.list({ type: "customer.created", limit: 4 });
    expect(listed.data.map((e) => (e.data.object as Stripe.Customer).id)).toEqual([lost, ...ids.reverse()]);
  });

  it("delays deliveries without losing them", async () => {
    fake.webhooks.configure({ delayMs: 20 });
    const ids = await createCustomers(2);
    await fake.webhooks.idle();
    expect(receivedCustomerIds()).toEqual(ids);
  });
});

describe("in-process webhook endpoints", () => {
  it("hands signed requests to a fetch function (e.g. a Hono app's request) with no port", async () => {
    const { Hono } = await import("hono");
    const verifier = new Stripe("sk_test_inproc");
    const seen: string[] = [];
    const worker = new Hono().post("/webhooks/stripe", async (c) => {
      const event = verifier.webhooks.constructEvent(
        await c.req.text(),
        c.req.header("stripe-signature") ?? "",
        SECRET,
      );
      seen.push(event.type);
      return c.json({ received: true });
    });
    const fake = createStripeFake({ webhookSecret: SECRET });
    fake.webhooks.addEndpoint("http://worker.internal/webhooks/stripe", {
      fetch: (request) => worker.request(request),
    });
    const res = await fake.app.request("/v1/customers", {
      method: "POST",
      headers: {
        authorization: "Bearer sk_test_inproc",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "email=inproc%40acme.test",
    });
    expect(res.status).toBe(200);
    await fake.webhooks.idle();
    expect(seen).toEqual(["customer.created"]);
    await fake.stop();
  });
});
