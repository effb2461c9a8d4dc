import Stripe from "stripe";

export const WEBHOOK_SECRET = "whsec_test_intake_secret";

const stripe = new Stripe("sk_test_signing_only");

/** A `POST /webhooks/stripe` request init signed by the official SDK (or `body` as given, signed). */
export function signedRequest(
  event: unknown,
  options: { secret?: string; timestamp?: number; body?: string } = {},
) {
  const body = options.body ?? JSON.stringify(event);
  const signature = stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret: options.secret ?? WEBHOOK_SECRET,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
  });
  return {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", "Stripe-Signature": signature },
  };
}
