/** @module The tenant's subscription as the API shows it, from the synced copy. */
import { subscriptions } from "@org/db";
import { desc, eq } from "drizzle-orm";
import type { BillingDeps } from "./context.js";

export interface SubscriptionView {
  plan: string;
  status: string | null;
  interval: "month" | "year" | null;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
  trialEnd: string | null;
  quantity: number | null;
  scheduledChange: { plan: string; interval: string | null; at: string | null } | null;
  stripeSubscriptionId: string | null;
}

const ORDER = [
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
 * The subscription that decides the tenant's plan, plus the plan it is entitled to now.
 *
 * @example
 * const view = await subscriptionView(deps, tenant.id, tenant.plan);
 */
export async function subscriptionView(
  deps: Pick<BillingDeps, "db">,
  tenantId: string,
  effectivePlan: string,
): Promise<SubscriptionView> {
  const rows = await deps.db
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.tenantId, tenantId))
    .orderBy(desc(subscriptions.createdAt));
  const current = rows.sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status))[0];
  return {
    plan: effectivePlan,
    status: current?.status ?? null,
    interval: current?.interval ?? null,
    currentPeriodStart: current?.currentPeriodStart?.toISOString() ?? null,
    currentPeriodEnd: current?.currentPeriodEnd?.toISOString() ?? null,
    cancelAtPeriodEnd: current?.cancelAtPeriodEnd ?? false,
    canceledAt: current?.canceledAt?.toISOString() ?? null,
    trialEnd: current?.trialEnd?.toISOString() ?? null,
    quantity: current?.quantity ?? null,
    scheduledChange: current?.scheduledPlan
      ? {
          plan: current.scheduledPlan,
          interval: current.scheduledInterval,
          at: current.scheduledAt?.toISOString() ?? null,
        }
      : null,
    stripeSubscriptionId: current?.stripeSubscriptionId ?? null,
  };
}
