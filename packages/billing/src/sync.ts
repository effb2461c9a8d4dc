/** @module syncCustomer: Stripe is the source of truth; this is the only writer of subscription state. */
import { invoices, subscriptions, tenants } from "@org/db";
import { and, eq, isNull, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { DEFAULT_PAST_DUE_GRACE_MS, loggerOf, nowOf, type SyncDeps } from "./context.js";
import { type Entitlement, entitlementFor } from "./entitlement-policy.js";
import { currentSubscription, fromUnix, invoiceSubscriptionId, primaryItem } from "./stripe-shapes.js";
import { isImpossibleTransition } from "./transitions.js";

/** The SDK's bound on auto-pagination; far above any one customer's subscriptions or invoices. */
const MAX_LISTED = 10_000;

export interface SyncResult {
  outcome: "synced" | "unknown_customer";
  customerId: string;
  tenantId?: string;
  /** The subscription that decides the plan, as stored. */
  subscriptionId?: string | null;
  status?: string | null;
  entitlement?: Entitlement;
  /** Whether the tenant's effective plan changed. */
  planChanged?: boolean;
}

/** Finds the tenant of a customer: our mapping, else the customer's metadata (repairing the mapping). */
async function tenantOfCustomer(deps: SyncDeps, customerId: string) {
  const [mapped] = await deps.db.select().from(tenants).where(eq(tenants.stripeCustomerId, customerId));
  if (mapped) return mapped;
  let customer: Stripe.Customer | Stripe.DeletedCustomer;
  try {
    customer = await deps.stripe.customers.retrieve(customerId);
  } catch (error) {
    if ((error as { code?: string }).code === "resource_missing") return undefined;
    throw error;
  }
  const tenantId = "metadata" in customer ? customer.metadata?.tenant_id : undefined;
  if (!tenantId) return undefined;
  const [repaired] = await deps.db
    .update(tenants)
    .set({ stripeCustomerId: customerId, updatedAt: new Date() })
    .where(and(eq(tenants.id, tenantId), isNull(tenants.stripeCustomerId)))
    .returning();
  return repaired;
}

const planOfSubscription = (deps: SyncDeps, subscription: Stripe.Subscription) => {
  const priceId = primaryItem(subscription)?.price.id;
  return priceId ? deps.catalog.byPriceId(priceId) : undefined;
};

/** The phase after the current one of an attached schedule: a downgrade waiting for the period end. */
function scheduledChange(deps: SyncDeps, subscription: Stripe.Subscription) {
  const schedule = subscription.schedule;
  if (!schedule || typeof schedule === "string" || schedule.status !== "active") return undefined;
  const now = Math.floor(nowOf(deps).getTime() / 1000);
  const next = schedule.phases.find((phase) => phase.start_date > now);
  const price = next?.items[0]?.price;
  const match = price ? deps.catalog.byPriceId(typeof price === "string" ? price : price.id) : undefined;
  return match && next
    ? { plan: match.plan.id, interval: match.interval, at: fromUnix(next.start_date) }
    : undefined;
}

/** When a past_due subscription started being past due: its unpaid latest invoice's finalisation. */
function pastDueSince(subscription: Stripe.Subscription): Date | null {
  const invoice = subscription.latest_invoice;
  if (subscription.status !== "past_due" || !invoice || typeof invoice === "string") return null;
  return fromUnix(invoice.status_transitions?.finalized_at ?? invoice.created);
}

/**
 * Fetches the customer's subscriptions and invoices from Stripe and writes them, the tenant's
 * effective plan included. Webhook handlers and the checkout success page call it; it never trusts
 * an event's payload, so duplicate and out-of-order events converge to Stripe's current state.
 *
 * Concurrency: the fetch and the write happen inside one transaction holding a per-tenant advisory
 * lock, so two syncs of one tenant are serialised and the later one always read Stripe later: a stale
 * sync can never overwrite a newer one.
 *
 * @example
 * await syncCustomer(deps, "cus_123"); // { outcome: "synced", tenantId, status: "active", ... }
 */
export async function syncCustomer(deps: SyncDeps, customerId: string): Promise<SyncResult> {
  const log = loggerOf(deps);
  const tenant = await tenantOfCustomer(deps, customerId);
  if (!tenant) {
    log.warn({ customerId }, "billing.sync.unknown_customer");
    return { outcome: "unknown_customer", customerId };
  }
  const result = await deps.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`billing-sync:${tenant.id}`}))`);
    const now = nowOf(deps);
    // Every page (has_more), not only the first 100: a long-lived customer has more invoices than that.
    const [subscriptionData, invoiceData] = await Promise.all([
      deps.stripe.subscriptions
        .list({
          customer: customerId,
          status: "all",
          limit: 100,
          expand: ["data.schedule", "data.latest_invoice"],
        })
        .autoPagingToArray({ limit: MAX_LISTED }),
      deps.stripe.invoices
        .list({ customer: customerId, limit: 100 })
        .autoPagingToArray({ limit: MAX_LISTED }),
    ]);
    const subscriptionList = { data: subscriptionData };
    const invoiceList = { data: invoiceData };

    const previous = new Map(
      (await tx.select().from(subscriptions).where(eq(subscriptions.tenantId, tenant.id))).map((row) => [
        row.stripeSubscriptionId,
        row,
      ]),
    );
    for (const subscription of subscriptionList.data) {
      const item = primaryItem(subscription);
      const match = planOfSubscription(deps, subscription);
      const scheduled = scheduledChange(deps, subscription);
      const before = previous.get(subscription.id);
      if (before && isImpossibleTransition(before.status, subscription.status)) {
        log.error(
          {
            tenantId: tenant.id,
            subscriptionId: subscription.id,
            from: before.status,
            to: subscription.status,
          },
          "billing.sync.impossible_transition",
        );
      }
      const row = {
        tenantId: tenant.id,
        stripeSubscriptionId: subscription.id,
        stripeCustomerId: customerId,
        status: subscription.status,
        plan: match?.plan.id ?? "unknown",
        interval: match?.interval ?? (item?.price.recurring?.interval === "year" ? "year" : "month"),
        priceIds: subscription.items.data.map((i) => i.price.id),
        quantity: item?.quantity ?? 1,
        currentPeriodStart: fromUnix(item?.current_period_start),
        currentPeriodEnd: fromUnix(item?.current_period_end),
        cancelAtPeriodEnd: subscription.cancel_at_period_end,
        cancelAt: fromUnix(subscription.cancel_at),
        canceledAt: fromUnix(subscription.canceled_at),
        trialEnd: fromUnix(subscription.trial_end),
        scheduledPlan: scheduled?.plan ?? null,
        scheduledInterval: scheduled?.interval ?? null,
        scheduledAt: scheduled?.at ?? null,
        syncedAt: now,
        updatedAt: now,
      } as const;
      await tx
        .insert(subscriptions)
        .values(row)
        .onConflictDoUpdate({
          target: [subscriptions.tenantId, subscriptions.stripeSubscriptionId],
          set: row,
        });
    }

    for (const invoice of invoiceList.data) {
      const row = {
        tenantId: tenant.id,
        stripeInvoiceId: invoice.id!,
        stripeSubscriptionId: invoiceSubscriptionId(invoice),
        number: invoice.number,
        status: invoice.status ?? "draft",
        amountDue: invoice.amount_due,
        amountPaid: invoice.amount_paid,
        currency: invoice.currency,
        periodStart: fromUnix(invoice.period_start),
        periodEnd: fromUnix(invoice.period_end),
        hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
        invoicePdf: invoice.invoice_pdf ?? null,
        stripeCreatedAt: fromUnix(invoice.created)!,
        syncedAt: now,
      };
      await tx
        .insert(invoices)
        .values(row)
        .onConflictDoUpdate({ target: [invoices.tenantId, invoices.stripeInvoiceId], set: row });
    }

    const current = currentSubscription(subscriptionList.data);
    const entitlement = entitlementFor({
      status: current?.status ?? null,
      plan: current ? (planOfSubscription(deps, current)?.plan.id ?? null) : null,
      pastDueSince: current ? pastDueSince(current) : null,
      now,
      graceMs: deps.pastDueGraceMs ?? DEFAULT_PAST_DUE_GRACE_MS,
      defaultPlan: deps.catalog.defaultPlan.id,
    });
    const [locked] = await tx.select({ plan: tenants.plan }).from(tenants).where(eq(tenants.id, tenant.id));
    const planChanged = locked?.plan !== entitlement.plan;
    if (planChanged) {
      await tx
        .update(tenants)
        .set({ plan: entitlement.plan, updatedAt: now })
        .where(eq(tenants.id, tenant.id));
    }
    return {
      outcome: "synced" as const,
      customerId,
      tenantId: tenant.id,
      subscriptionId: current?.id ?? null,
      status: current?.status ?? null,
      entitlement,
      planChanged,
    };
  });
  if (result.planChanged) {
    log.info(
      { tenantId: tenant.id, plan: result.entitlement?.plan, status: result.status },
      "billing.plan_changed",
    );
    await deps.onTenantChanged?.(tenant.id);
  }
  return result;
}
