/** @module Finding a customer's live subscription among all of its subscriptions, on every page. */
import type Stripe from "stripe";
import type { BillingDeps } from "./context.js";
import { LIVE_STATUSES } from "./stripe-shapes.js";

/**
 * The newest subscription of the customer that `accept` takes, reading page after page (Stripe lists
 * newest first, 100 a page) until one is found or `has_more` is false. A single page is not enough:
 * a customer who subscribed, then tried and cancelled many other subscriptions, has the live one
 * behind all of them.
 *
 * @param accept which subscription counts; by default every status of {@link LIVE_STATUSES}
 * @returns the subscription, or undefined when the customer has none that `accept` takes
 * @example
 * const blocking = await findSubscription(deps, "cus_123");
 */
export async function findSubscription(
  deps: Pick<BillingDeps, "stripe">,
  customerId: string,
  accept: (subscription: Stripe.Subscription) => boolean = (s) => LIVE_STATUSES.has(s.status),
): Promise<Stripe.Subscription | undefined> {
  // `status: "all"`: a filter on one status would need one listing per live status.
  for await (const subscription of deps.stripe.subscriptions.list({
    customer: customerId,
    status: "all",
    limit: 100,
  })) {
    if (accept(subscription)) return subscription;
  }
  return undefined;
}
