/** @module Pending updates (`payment_behavior=pending_if_incomplete`): a change that needs a payment applies only once it is paid. */
import type { Core } from "../core.js";
import { copy, type EventEmitter } from "../events.js";
import { perCore } from "../per-core.js";
import type { FakeInvoice, FakeSubscription } from "../types.js";
import { voidInvoice } from "./invoices.js";

/** A pending update lasts at most this long, and never past the period or trial end (Stripe's rule). */
const PENDING_UPDATE_MAX_SECONDS = 23 * 3600;

/** Per fake: the subscription as the update left it, by the id of the open invoice that must be paid first. */
const parkedOf = perCore(() => new Map<string, FakeSubscription>());

/** Puts `state` into the stored subscription and its items (items the state lacks are removed). */
const replaceState = (core: Core, sub: FakeSubscription, state: FakeSubscription) => {
  for (const item of sub.items.data) {
    if (!state.items.data.some((kept) => kept.id === item.id))
      core.store.remove("subscription_item", item.id);
  }
  Object.assign(sub, copy(state));
  for (const item of sub.items.data) core.store.put("subscription_item", item);
  core.store.put("subscription", sub);
};

const SUBSCRIPTION_CHANGES = new Set(["customer.subscription.updated", "invoiceitem.created"]);

/**
 * Runs `update` on `sub`; when the invoice it created is left unpaid, the subscription goes back to
 * how it was, the change waits in `pending_update` (applied if that invoice is paid before
 * `expires_at`), and the events that announced the change are withheld.
 *
 * @example
 * updateIfPaid(core, sub, () => updateSubscription(core, sub, params));
 */
export function updateIfPaid(core: Core, sub: FakeSubscription, update: () => void): FakeSubscription {
  const before = copy(sub);
  const real = core.events;
  const withheld: Array<{ type: string; object: object; previous?: object }> = [];
  const buffer: EventEmitter = {
    emit: (type, object, previous) =>
      withheld.push({ type, object: copy(object), ...(previous ? { previous: copy(previous) } : {}) }),
  };
  core.events = buffer;
  try {
    update();
  } finally {
    core.events = real;
  }
  const invoiceId = sub.latest_invoice !== before.latest_invoice ? sub.latest_invoice : null;
  const invoice = typeof invoiceId === "string" ? core.store.get("invoice", invoiceId) : undefined;
  const unpaid = invoice?.status === "open";
  for (const event of withheld) {
    if (!(unpaid && SUBSCRIPTION_CHANGES.has(event.type)))
      real.emit(event.type, event.object, event.previous);
  }
  if (!unpaid || !invoice) return sub;

  const after = copy(sub);
  replaceState(core, sub, before);
  const periodEnd = before.items.data[0]?.current_period_end ?? Number.POSITIVE_INFINITY;
  const now = core.clock.now();
  sub.latest_invoice = invoice.id;
  sub.pending_update = {
    billing_cycle_anchor:
      after.billing_cycle_anchor !== before.billing_cycle_anchor ? after.billing_cycle_anchor : null,
    cancel_at_period_end: null,
    discount: null,
    discounts: null,
    expires_at: Math.min(
      now + PENDING_UPDATE_MAX_SECONDS,
      periodEnd,
      before.trial_end ?? Number.POSITIVE_INFINITY,
    ),
    metadata: null,
    subscription_items: after.items.data,
    trial_end: null,
    trial_from_plan: null,
  } as FakeSubscription["pending_update"];
  // The customer pays it (or not) by hand; the subscription does not go past_due over it.
  invoice.next_payment_attempt = null;
  parkedOf(core).set(invoice.id, { ...after, pending_update: null, latest_invoice: invoice.id });
  core.store.put("subscription", sub);
  real.emit("customer.subscription.updated", sub, before);
  return sub;
}

/**
 * Whether an invoice pays for a pending update (its failures leave the subscription's status alone).
 *
 * @example
 * if (paysPendingUpdate(core, invoice)) return;
 */
export function paysPendingUpdate(core: Core, invoice: FakeInvoice): boolean {
  return parkedOf(core).has(invoice.id);
}

/**
 * Applies the pending update an invoice paid for: `customer.subscription.pending_update_applied`.
 *
 * @example
 * applyPendingUpdate(core, invoice); // from the invoice-paid hook
 */
export function applyPendingUpdate(core: Core, invoice: FakeInvoice): void {
  const after = parkedOf(core).get(invoice.id);
  if (!after) return;
  parkedOf(core).delete(invoice.id);
  const sub = core.store.get("subscription", after.id);
  if (!sub?.pending_update) return;
  const before = copy(sub);
  replaceState(core, sub, { ...after, status: sub.status });
  core.events.emit("customer.subscription.pending_update_applied", sub, before);
  core.events.emit("customer.subscription.updated", sub, before);
}

/**
 * Discards a subscription's pending update: its invoice is voided (if still open) and
 * `customer.subscription.pending_update_expired` is sent. Used when it expires and when its invoice
 * is voided through the API.
 *
 * @example
 * discardPendingUpdate(core, sub);
 */
export function discardPendingUpdate(core: Core, sub: FakeSubscription): void {
  if (!sub.pending_update) return;
  const parked = parkedOf(core);
  const invoiceId = [...parked.entries()].find(([, after]) => after.id === sub.id)?.[0];
  if (invoiceId) parked.delete(invoiceId);
  const before = copy(sub);
  sub.pending_update = null;
  core.store.put("subscription", sub);
  const invoice = invoiceId ? core.store.get("invoice", invoiceId) : undefined;
  if (invoice?.status === "open") voidInvoice(core, invoice);
  core.events.emit("customer.subscription.pending_update_expired", sub, before);
}

/**
 * The subscription whose pending update an invoice pays for, if any.
 *
 * @example
 * const sub = pendingUpdateOf(core, invoice);
 */
export function pendingUpdateOf(core: Core, invoice: FakeInvoice): FakeSubscription | undefined {
  const after = parkedOf(core).get(invoice.id);
  return after ? core.store.get("subscription", after.id) : undefined;
}
