/** @module Reading the fields we need from Stripe objects, across shapes that may be ids or expanded. */
import type Stripe from "stripe";

export const idOf = (value: string | { id: string } | null | undefined): string | null =>
  value == null ? null : typeof value === "string" ? value : value.id;

export const fromUnix = (seconds: number | null | undefined): Date | null =>
  seconds == null ? null : new Date(seconds * 1000);

/** The subscription an invoice belongs to (moved under `parent` in recent API versions). */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  const legacy = (invoice as unknown as { subscription?: string | { id: string } | null }).subscription;
  return idOf(invoice.parent?.subscription_details?.subscription ?? legacy ?? null);
}

/** The first item of a subscription: our plans are single-price subscriptions. */
export function primaryItem(subscription: Stripe.Subscription): Stripe.SubscriptionItem | undefined {
  return subscription.items.data[0];
}

/** Statuses in the order in which a subscription is "the" current one of a customer. */
const CURRENT_ORDER = [
  "active",
  "trialing",
  "past_due",
  "unpaid",
  "incomplete",
  "paused",
  "canceled",
  "incomplete_expired",
];

/**
 * The subscription that decides a customer's plan: the live one if any, else the newest ended one.
 *
 * @example
 * const current = currentSubscription(list.data);
 */
export function currentSubscription(subscriptions: Stripe.Subscription[]): Stripe.Subscription | undefined {
  return [...subscriptions].sort((a, b) => {
    const rank = CURRENT_ORDER.indexOf(a.status) - CURRENT_ORDER.indexOf(b.status);
    return rank !== 0 ? rank : b.created - a.created;
  })[0];
}

/** Live statuses: a subscription in one of these blocks a second checkout. */
export const LIVE_STATUSES = new Set(["active", "trialing", "past_due", "unpaid", "incomplete", "paused"]);
