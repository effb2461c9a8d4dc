/** @module Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.payload">`. */
import { createHmac } from "node:crypto";

/**
 * The `Stripe-Signature` header for a payload, computed exactly as Stripe computes it, so
 * `stripe.webhooks.constructEvent(payload, header, secret)` accepts it.
 *
 * @param payload - the exact body that is sent
 * @param secret - the endpoint's signing secret (`whsec_...`)
 * @param [timestampSeconds=now] - Unix seconds; real time, because receivers check a tolerance against their own clock
 * @example
 * const header = signPayload(JSON.stringify(event), "whsec_test");
 */
export function signPayload(
  payload: string,
  secret: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): string {
  const signature = createHmac("sha256", secret)
    .update(`${timestampSeconds}.${payload}`, "utf8")
    .digest("hex");
  return `t=${timestampSeconds},v1=${signature}`;
}
