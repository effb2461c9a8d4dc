/** @module Calls of the billing port made by the saga's steps: bounded in time, and failures marked as billing's. */
import { StaleStripeOperationError } from "@org/idempotency";
import { withTimeout } from "./timeout.js";

/**
 * A call of the billing port failed or did not answer in time (the cause says which). It tells a
 * payment provider failure, which signup answers as `billing_failed`, from a failure of the
 * database or another dependency, which is rethrown.
 *
 * @example
 * if (error.cause instanceof BillingCallError) log.warn({ call: error.cause.call }, "stripe failed");
 */
export class BillingCallError extends Error {
  readonly call: string;
  constructor(call: string, cause: unknown) {
    super(`${call} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "BillingCallError";
    this.call = call;
  }
}

/**
 * Runs a call of the billing port within `ms`; any failure, a timeout included, is rethrown as a
 * {@link BillingCallError}.
 *
 * @throws {BillingCallError} when the call throws, rejects or times out
 * @example
 * await callBilling("billing.createCustomer", 10_000, () => billing.createCustomer(input));
 */
export async function callBilling<T>(call: string, ms: number, run: () => Promise<T>): Promise<T> {
  try {
    return await withTimeout(call, ms, run());
  } catch (error) {
    throw new BillingCallError(call, error);
  }
}

/**
 * Whether a step's error is the payment provider's: a failed billing call, or a customer creation
 * retried after Stripe forgot its idempotency key with no way to look the customer up.
 *
 * @example
 * if (isBillingFailure(error.cause)) return { ok: false, reason: "billing_failed", detail };
 */
export function isBillingFailure(error: unknown): boolean {
  return error instanceof BillingCallError || error instanceof StaleStripeOperationError;
}
