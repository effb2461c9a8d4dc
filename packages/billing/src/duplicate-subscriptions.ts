/** @module One live subscription per tenant: the later duplicates are cancelled. */
import type Stripe from "stripe";
import { loggerOf, type SyncDeps } from "./context.js";

/**
 * Statuses in which a subscription holds a plan or is billed for one. `incomplete` is left out: it
 * has taken no money and entitles to nothing, and Stripe expires it after 23 hours.
 */
const HOLDING_STATUSES = new Set(["active", "trialing", "past_due", "unpaid", "paused"]);

const byAge = (a: Stripe.Subscription, b: Stripe.Subscription) =>
  a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The subscriptions to cancel so that one holding subscription is left: every one but the oldest
 * (Stripe's `created`, then the id).
 *
 * Why the oldest: it is the one the tenant subscribed to first, the one our database recorded and
 * the plan, usage and invoices were already tied to; the later one is the accident (a second
 * Checkout completed in another tab). And why a rule on Stripe's data alone rather than on what we
 * recorded: two syncs running at once on different nodes must pick the same survivor, or each
 * could cancel the other's.
 *
 * @example
 * duplicateSubscriptions(list.data); // [] when there is at most one holding subscription
 */
export function duplicateSubscriptions(subscriptions: readonly Stripe.Subscription[]): Stripe.Subscription[] {
  return subscriptions
    .filter((s) => HOLDING_STATUSES.has(s.status))
    .sort(byAge)
    .slice(1);
}

async function cancelDuplicate(deps: SyncDeps, subscription: Stripe.Subscription) {
  try {
    // Prorated with a final invoice now: the unused time of the duplicate becomes a credit on the
    // customer's balance, which Stripe applies to the surviving subscription's next invoice.
    // No idempotency key: cancelling is idempotent by nature (a second cancel is refused, never
    // credited twice), and a shared key would make concurrent syncs answer each other 409.
    return await deps.stripe.subscriptions.cancel(subscription.id, { prorate: true, invoice_now: true });
  } catch (error) {
    // A concurrent sync cancelled it first: fine.
    const current = await deps.stripe.subscriptions.retrieve(subscription.id);
    if (current.status === "canceled") return current;
    throw error;
  }
}

/**
 * Cancels every duplicate (see {@link duplicateSubscriptions}) and returns the list as it is after
 * the cancellations, with a structured log line and `billing_duplicate_subscriptions_canceled_total`
 * for each.
 *
 * @example
 * const subscriptions = await cancelDuplicateSubscriptions(deps, tenantId, snapshot.subscriptions);
 */
export async function cancelDuplicateSubscriptions(
  deps: SyncDeps,
  tenantId: string,
  subscriptions: Stripe.Subscription[],
): Promise<Stripe.Subscription[]> {
  const duplicates = duplicateSubscriptions(subscriptions);
  if (duplicates.length === 0) return subscriptions;
  const canceled = new Map<string, Stripe.Subscription>();
  for (const duplicate of duplicates) {
    const after = await cancelDuplicate(deps, duplicate);
    canceled.set(after.id, after);
    loggerOf(deps).warn(
      { tenantId, subscriptionId: duplicate.id, customerId: duplicate.customer },
      "billing.sync.duplicate_subscription_canceled",
    );
    deps.metrics?.increment("billing_duplicate_subscriptions_canceled_total");
  }
  return subscriptions.map((s) => canceled.get(s.id) ?? s);
}
