/** @module The inbox worker's production handler: the billing webhook handler. */
import type Stripe from "stripe";
import type { SyncDeps } from "../context.js";
import { handleStripeEvent } from "../webhooks/handlers.js";
import type { EventHandler } from "./worker.js";

/**
 * Turns the billing handler's outcome into the worker's.
 *
 * @example
 * const worker = createInboxWorker({ db, logger, handle: billingHandler({ db, stripe, catalog }) });
 */
export function billingHandler(billing: SyncDeps): EventHandler {
  return async (row) => {
    const result = await handleStripeEvent(billing, row.payload as unknown as Stripe.Event);
    return result.outcome === "synced" ? { outcome: "synced" } : result;
  };
}
