/** @module What each Stripe event does: sync the customer, and queue the notifications it calls for. */
import type Stripe from "stripe";
import type { SyncDeps } from "../context.js";
import { enqueueNotification } from "../notifications/outbox.js";
import { idOf, LIVE_STATUSES } from "../stripe-shapes.js";
import { type SyncResult, syncCustomer } from "../sync.js";

export type HandleOutcome =
  /** The customer was synced. */
  | { outcome: "synced"; sync: SyncResult }
  /** The customer is not (yet) one of ours: park the event and retry it later, never drop it. */
  | { outcome: "unknown_customer"; customerId: string }
  /** A type we do not act on: record and acknowledge. */
  | { outcome: "ignored"; reason: string };

/** The event types the handler acts on. */
export const HANDLED_EVENT_TYPES = [
  "checkout.session.completed",
  "checkout.session.expired",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "customer.subscription.paused",
  "customer.subscription.resumed",
  "customer.subscription.trial_will_end",
  "customer.subscription.pending_update_applied",
  "customer.subscription.pending_update_expired",
  "subscription_schedule.updated",
  "subscription_schedule.released",
  "subscription_schedule.completed",
  "subscription_schedule.canceled",
  "invoice.created",
  "invoice.finalized",
  "invoice.paid",
  "invoice.payment_succeeded",
  "invoice.payment_failed",
  "invoice.payment_action_required",
  "invoice.upcoming",
  "invoice.updated",
  "invoice.voided",
  "invoice.marked_uncollectible",
  "customer.updated",
  "customer.deleted",
] as const;

const HANDLED = new Set<string>(HANDLED_EVENT_TYPES);

/** The customer an event concerns, whatever the object. */
export function customerOfEvent(event: Stripe.Event): string | null {
  const object = event.data.object as {
    object?: string;
    id?: string;
    customer?: string | { id: string } | null;
  };
  if (object.object === "customer") return object.id ?? null;
  return idOf(object.customer ?? null);
}

/**
 * Handles one verified event. Never applies the payload to our state: it syncs the customer from
 * Stripe (so duplicates and any order converge), then adds notifications, each once per cause.
 *
 * @example
 * const result = await handleStripeEvent(deps, event); // the webhook worker marks the row by outcome
 */
export async function handleStripeEvent(deps: SyncDeps, event: Stripe.Event): Promise<HandleOutcome> {
  if (!HANDLED.has(event.type))
    return { outcome: "ignored", reason: `event type ${event.type} is not handled` };
  const customerId = customerOfEvent(event);
  if (!customerId) return { outcome: "ignored", reason: "event names no customer" };
  const sync = await syncCustomer(deps, customerId);
  if (sync.outcome === "unknown_customer" || !sync.tenantId)
    return { outcome: "unknown_customer", customerId };
  await notify(deps, event, sync.tenantId, sync);
  return { outcome: "synced", sync };
}

async function notify(
  deps: SyncDeps,
  event: Stripe.Event,
  tenantId: string,
  sync: SyncResult,
): Promise<void> {
  switch (event.type) {
    case "invoice.payment_failed":
    case "invoice.payment_action_required": {
      const invoice = event.data.object as Stripe.Invoice;
      await enqueueNotification(deps.db, {
        tenantId,
        kind: event.type === "invoice.payment_failed" ? "payment_failed" : "payment_action_required",
        dedupeKey: `${event.type}:${invoice.id}:${invoice.attempt_count}`,
        payload: {
          invoiceId: invoice.id,
          amountDue: invoice.amount_due,
          currency: invoice.currency,
          attempt: invoice.attempt_count,
          nextPaymentAttempt: invoice.next_payment_attempt,
          hostedInvoiceUrl: invoice.hosted_invoice_url,
        },
      });
      return;
    }
    case "customer.subscription.deleted": {
      const subscription = event.data.object as Stripe.Subscription;
      // A cancelled duplicate while another subscription stays live: the tenant lost nothing.
      if (sync.subscriptionId !== subscription.id && LIVE_STATUSES.has(sync.status ?? "")) return;
      await enqueueNotification(deps.db, {
        tenantId,
        kind: "subscription_canceled",
        dedupeKey: `subscription_canceled:${subscription.id}`,
        payload: { subscriptionId: subscription.id, canceledAt: subscription.canceled_at },
      });
      return;
    }
    case "customer.subscription.trial_will_end": {
      const subscription = event.data.object as Stripe.Subscription;
      await enqueueNotification(deps.db, {
        tenantId,
        kind: "trial_ending",
        dedupeKey: `trial_ending:${subscription.id}:${subscription.trial_end}`,
        payload: { subscriptionId: subscription.id, trialEnd: subscription.trial_end },
      });
      return;
    }
    default:
      return;
  }
}
