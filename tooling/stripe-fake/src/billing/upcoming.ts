/** @module `invoice.upcoming`: Stripe's notice, some days before a subscription renews, of the invoice it will create. */
import type { Core } from "../core.js";
import { perCore } from "../per-core.js";
import type { FakeSubscription } from "../types.js";
import { previewInvoice } from "./preview.js";
import { periodOf } from "./subscriptions.js";

/** Per fake: subscription id -> the period end it was last told about. */
const notifiedOf = perCore(() => new Map<string, number>());

const RENEWING = new Set(["active", "trialing", "past_due"]);

/**
 * When `invoice.upcoming` falls due for the subscription's current period (Unix seconds), or
 * undefined: already sent, the subscription will not renew (canceling at or before the period end,
 * paused, unpaid), or the notice window opened before the period began (Stripe sends none then).
 *
 * @example
 * const at = upcomingInvoiceDueAt(core, sub); // period end - settings.upcomingInvoiceDays
 */
export function upcomingInvoiceDueAt(core: Core, sub: FakeSubscription): number | undefined {
  if (!RENEWING.has(sub.status) || sub.cancel_at_period_end) return undefined;
  const { start, end } = periodOf(sub);
  if (sub.cancel_at !== null && sub.cancel_at <= end) return undefined;
  if (notifiedOf(core).get(sub.id) === end) return undefined;
  const at = end - core.settings.upcomingInvoiceDays * 86_400;
  return at > start ? at : undefined;
}

/**
 * Send `invoice.upcoming` for the subscription's next renewal: the object is the invoice preview
 * (`invoices.createPreview`), as on Stripe; sent once per period.
 *
 * @example
 * notifyUpcomingInvoice(core, sub);
 */
export function notifyUpcomingInvoice(core: Core, sub: FakeSubscription): void {
  notifiedOf(core).set(sub.id, periodOf(sub).end);
  core.events.emit("invoice.upcoming", previewInvoice(core, { subscription: sub.id }));
}
