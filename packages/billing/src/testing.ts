/** @module @org/billing/testing: helpers for tests of code built on the billing package. */
import Stripe from "stripe";
import type { BillingLogger } from "./context.js";

/**
 * A logger that drops everything.
 *
 * @example
 * createInboxWorker({ db, handle, logger: silentLogger() });
 */
export const silentLogger = (): BillingLogger => ({ info() {}, warn() {}, error() {} });

let counter = 0;
/**
 * A minimal Stripe-shaped event for the inbox (the inbox reads id, type, created and the customer).
 *
 * @example
 * await insertEvent(db, fakeEvent({ type: "invoice.paid", customer: "cus_1" }));
 */
export function fakeEvent(
  overrides: Partial<{ id: string; type: string; customer: string; created: number }> = {},
) {
  counter++;
  return {
    id: overrides.id ?? `evt_test_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 8)}`,
    object: "event",
    type: overrides.type ?? "customer.subscription.updated",
    created: overrides.created ?? Math.floor(Date.now() / 1000),
    livemode: false,
    data: {
      object: { object: "subscription", id: `sub_${counter}`, customer: overrides.customer ?? "cus_1" },
    },
  };
}

const signer = new Stripe("sk_test_signing_only");

/**
 * A `POST /webhooks/stripe` request init whose body (the event's JSON, or `body` as given) is signed
 * with `secret` by the official SDK, as Stripe signs its deliveries.
 *
 * @example
 * await app.request("/webhooks/stripe", signedWebhookRequest(event, { secret: "whsec_..." }));
 */
export function signedWebhookRequest(
  event: unknown,
  options: { secret: string; timestamp?: number; body?: string },
) {
  const body = options.body ?? JSON.stringify(event);
  const signature = signer.webhooks.generateTestHeaderString({
    payload: body,
    secret: options.secret,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
  });
  return {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", "Stripe-Signature": signature },
  };
}
