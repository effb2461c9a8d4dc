// A separate process that sends the same idempotent create several times at once.
// argv: port, idempotency key, parallel count. Prints the customer ids it got, one per line.
import Stripe from "stripe";

const [port, key, count] = process.argv.slice(2);
const stripe = new Stripe("sk_test_processes", {
  host: "127.0.0.1",
  port: Number(port),
  protocol: "http",
  maxNetworkRetries: 5,
});
const results = await Promise.all(
  Array.from({ length: Number(count) }, () =>
    stripe.customers.create({ name: "cross-process" }, { idempotencyKey: key }),
  ),
);
for (const customer of results) console.log(customer.id);
