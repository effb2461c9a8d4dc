import { Writable } from "node:stream";
import { type BillingDeps, loadPlanCatalog } from "@org/billing";
import type { Database } from "@org/db";
import { createStripeOperations } from "@org/idempotency";
import { createLogger, createMetrics } from "@org/server-kit";
import Stripe from "stripe";

export { fakeEvent } from "@org/billing/testing";

/** Billing against the Stripe stand-in, for tests that play the customer (checkout, plan changes). */
export function testBilling(db: Database, stripe: Stripe): BillingDeps {
  return {
    db,
    stripe,
    catalog: loadPlanCatalog(),
    operations: createStripeOperations({ db }),
    urls: {
      checkoutSuccess: "https://x.test/ok",
      checkoutCancel: "https://x.test/",
      portalReturn: "https://x.test/",
    },
  };
}

export const SECRET = "whsec_test_intake_secret";
export const ADMIN_TOKEN = "admin-token-of-at-least-32-characters!";
export const silentLogger = () =>
  createLogger({
    service: "webhook-worker",
    level: "silent",
    destination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
export const testMetrics = () => createMetrics({ service: "webhook-worker", defaultMetrics: false });

const stripe = new Stripe("sk_test_signing_only");

export function signedRequest(
  event: unknown,
  options: { secret?: string; timestamp?: number; body?: string } = {},
) {
  const body = options.body ?? JSON.stringify(event);
  const signature = stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: options.secret ?? SECRET,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
  });
  return {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", "Stripe-Signature": signature },
  };
}
