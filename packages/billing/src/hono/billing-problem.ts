/** @module How the billing routes answer a failure of the billing functions or of Stripe. */
import { ProblemError } from "@org/problem/hono";
import Stripe from "stripe";
import { BillingError } from "../errors.js";

/**
 * Rethrows an expected refusal as its problem code and a Stripe failure as a 502 `stripe_error` that
 * names no secret; anything else is rethrown as it is (a 500).
 *
 * @throws {ProblemError} always, or the error itself
 * @example
 * const result = await createCheckout(billing, tenant, body).catch(asBillingProblem);
 */
export function asBillingProblem(error: unknown): never {
  if (error instanceof BillingError) throw new ProblemError(error.code, { detail: error.message });
  if (error instanceof Stripe.errors.StripeError) {
    throw new ProblemError("stripe_error", {
      detail: `the payment provider answered ${error.type}${error.code ? ` (${error.code})` : ""}; retry with the same Idempotency-Key`,
    });
  }
  throw error;
}
