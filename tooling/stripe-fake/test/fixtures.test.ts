import { readdirSync } from "node:fs";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeFake, loadFixture, runFixture, type StripeFake } from "../src/index.js";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.js";

const SECRET = "whsec_fixtures";
const DIR = new URL("../fixtures/", import.meta.url).pathname;
const names = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.slice(0, -5))
  .sort();

describe("every Stripe CLI trigger fixture runs unchanged through the SDK and delivers its event", () => {
  let fake: StripeFake;
  let receiver: WebhookReceiver;
  let stripe: Stripe;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    fake = createStripeFake({ webhookUrls: [receiver.url], webhookSecret: SECRET });
    await fake.start(0);
    stripe = new Stripe("sk_test_fixtures", fake.stripeConfig());
  });
  afterAll(async () => {
    await fake.stop();
    await receiver.close();
  });

  it("has the fixtures of the shared folder", () => {
    expect(names.length).toBeGreaterThanOrEqual(17);
  });

  it.each(names)("%s", async (name) => {
    const fixture = loadFixture(name, DIR);
    const before = receiver.received.length;
    await runFixture(stripe, fixture);
    await fake.webhooks.idle();
    const delivered = receiver.received.slice(before).map((r) => r.event.type);
    const wanted = [name, ...(fixture._meta.aliases ?? [])];
    for (const type of wanted) expect(delivered, `${name} delivered ${delivered.join(", ")}`).toContain(type);
    expect(receiver.rejected).toEqual([]);
  });
});

describe("the fake's own triggers", () => {
  it("checkout.session.completed runs through the SDK and is delivered", async () => {
    const receiver = await startWebhookReceiver(SECRET);
    const fake = createStripeFake({ webhookUrls: [receiver.url], webhookSecret: SECRET });
    await fake.start(0);
    try {
      await runFixture(
        new Stripe("sk_test_own", fake.stripeConfig()),
        loadFixture("checkout.session.completed"),
      );
      await fake.webhooks.idle();
      expect(receiver.types()).toContain("checkout.session.completed");
      expect(receiver.types()).toContain("customer.subscription.created");
    } finally {
      await fake.stop();
      await receiver.close();
    }
  });
});
