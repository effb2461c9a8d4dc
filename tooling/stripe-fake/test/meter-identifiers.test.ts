import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeFake, type StripeFake } from "../src/index.js";

let fake: StripeFake;
let stripe: Stripe;

beforeAll(async () => {
  fake = createStripeFake();
  await fake.start(0);
  stripe = new Stripe("sk_test_meter_identifiers", fake.stripeConfig());
});
afterAll(() => fake?.stop());

describe("meter event identifiers", () => {
  it("are forgotten after 24 h: a resend then counts again, beside the first event", async () => {
    const customer = await stripe.customers.create({ name: "metered" });
    const send = () =>
      stripe.billing.meterEvents.create({
        event_name: "tokens",
        identifier: "report-1",
        timestamp: fake.clock.now(),
        payload: { stripe_customer_id: customer.id, value: "100" },
      });
    await send();
    fake.clock.advance("23h");
    await send();
    expect(fake.meterEvents().map((e) => e.value)).toEqual([100]);
    fake.clock.advance("2h");
    await send();
    const summaries = await stripe.billing.meters.listEventSummaries("mtr_tokens", {
      customer: customer.id,
      start_time: fake.clock.now() - 2 * 86_400,
      end_time: fake.clock.now() + 60,
    });
    expect(fake.meterEvents().map((e) => e.value)).toEqual([100, 100]);
    expect(summaries.data[0]?.aggregated_value).toBe(200);
  });
});
