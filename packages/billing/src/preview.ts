/** @module What switching plans would bill now: Stripe's invoice preview with prorations. */

import type { Interval } from "@org/plans";
import type { BillingDeps } from "./context.js";
import { ensureCustomer, type TenantForBilling } from "./customers.js";
import { BillingError } from "./errors.js";
import { liveSubscription } from "./manage.js";
import { primaryItem } from "./stripe-shapes.js";

export interface PlanChangePreview {
  plan: string;
  interval: Interval;
  currency: string;
  /** What the change would invoice now (minor units): the new price's remaining time minus the old one's unused time. */
  amountDue: number;
  /** The instant the proration is computed for (ISO). */
  prorationDate: string;
  lines: { description: string | null; amount: number; proration: boolean }[];
}

/**
 * Asks Stripe (`invoices.createPreview` with `subscription_details`) what moving the subscription
 * to `plan` now would invoice at once. Stripe prorates by the second: the unused share of the
 * current price is credited and the rest of the period on the new price is charged. Nothing changes.
 *
 * @throws {BillingError} plan_not_found for a plan not sold at that interval; subscription_not_found
 * @example
 * const preview = await previewPlanChange(deps, tenant, { plan: "enterprise" });
 */
export async function previewPlanChange(
  deps: BillingDeps,
  tenant: TenantForBilling,
  request: { plan: string; interval?: Interval },
): Promise<PlanChangePreview> {
  const customerId = await ensureCustomer(deps, tenant);
  const subscription = await liveSubscription(deps, customerId);
  const item = primaryItem(subscription);
  if (!item) throw new BillingError("subscription_not_found", `subscription ${subscription.id} has no items`);
  const interval = request.interval ?? deps.catalog.byPriceId(item.price.id)?.interval ?? "month";
  const price = deps.catalog.priceId(request.plan, interval);
  if (!price)
    throw new BillingError("plan_not_found", `plan ${request.plan} is not sold with a ${interval}ly price`);
  const prorationDate = Math.floor((deps.clock?.() ?? new Date()).getTime() / 1000);
  const invoice = await deps.stripe.invoices.createPreview({
    customer: customerId,
    subscription: subscription.id,
    subscription_details: {
      items: [{ id: item.id, price }],
      proration_behavior: "always_invoice",
      proration_date: prorationDate,
    },
  });
  return {
    plan: request.plan,
    interval,
    currency: invoice.currency,
    amountDue: invoice.amount_due,
    prorationDate: new Date(prorationDate * 1000).toISOString(),
    lines: invoice.lines.data.map((line) => ({
      description: line.description,
      amount: line.amount,
      proration: line.parent?.subscription_item_details?.proration ?? false,
    })),
  };
}
