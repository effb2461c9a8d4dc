/**
 * How fast the fake answers, so suites know what it costs: SDK round trips over HTTP (sequential and
 * 8 in flight) and in-process `app.request`. A few seconds in all. Run: pnpm --filter @org/stripe-fake bench
 */
import Stripe from "stripe";
import { createStripeFake } from "../src/index.js";

const DURATION_MS = 1500;

async function measure(label: string, concurrency: number, op: () => Promise<unknown>) {
  const deadline = performance.now() + DURATION_MS;
  let done = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await op();
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  console.log(`${label.padEnd(48)} ${(done / seconds).toFixed(0).padStart(7)} ops/s  (${done} ops)`);
}

const fake = createStripeFake();
await fake.start(0);
const stripe = new Stripe("sk_test_bench", { ...fake.stripeConfig(), maxNetworkRetries: 0 });
const customer = await stripe.customers.create({ source: "tok_visa" });

await measure("SDK customers.create, sequential", 1, () => stripe.customers.create({ name: "bench" }));
await measure("SDK customers.create, 8 in flight", 8, () => stripe.customers.create({ name: "bench" }));
await measure("SDK prices.retrieve, 8 in flight", 8, () => stripe.prices.retrieve("price_pro_monthly"));
await measure("SDK subscriptions.create (invoice + payment), 8 in flight", 8, () =>
  stripe.subscriptions.create({ customer: customer.id, items: [{ price: "price_pro_monthly" }] }),
);
await measure("in-process app.request GET /v1/prices/:id", 1, () =>
  fake.app.request("/v1/prices/price_pro_monthly", { headers: { authorization: "Bearer sk_test_bench" } }),
);
await fake.stop();
