/** @module Writing a Stripe snapshot: one short transaction, skipped when a newer snapshot was written. */
import {
  billingSyncState,
  invoices,
  newId,
  recordPlanChange,
  subscriptions,
  subscriptionTransitions,
  type Transaction,
  tenants,
} from "@org/db";
import type { PriceMatch } from "@org/plans";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { DEFAULT_PAST_DUE_GRACE_MS, loggerOf, nowOf, type SyncDeps } from "./context.js";
import { type Entitlement, entitlementFor } from "./entitlement-policy.js";
import {
  currentSubscription,
  fromUnix,
  invoiceSubscriptionId,
  LIVE_STATUSES,
  primaryItem,
} from "./stripe-shapes.js";
import type { StripeSnapshot } from "./sync-snapshot.js";
import { isImpossibleTransition } from "./transitions.js";

export type WriteResult =
  | { written: true; entitlement: Entitlement; planChanged: boolean }
  /** A snapshot with a higher ticket was written first: this one is older and changed nothing. */
  | { written: false; storedTicket: number };

const priceOf = (subscription: Stripe.Subscription) => primaryItem(subscription)?.price.id;

/** The plan and interval of a subscription's price; undefined when the catalogue does not know it. */
const planOf = (deps: SyncDeps, subscription: Stripe.Subscription): PriceMatch | undefined => {
  const priceId = priceOf(subscription);
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
 * Raises the alert for every live subscription whose price the catalogue does not know (a price
 * rotated in Stripe but not listed as the plan's current or legacy price): an error log line and
 * `billing_unknown_price_total`. Such a subscription keeps its last known plan.
 */
function alertUnknownPrices(deps: SyncDeps, tenantId: string, snapshot: StripeSnapshot) {
  for (const subscription of snapshot.subscriptions) {
    if (!LIVE_STATUSES.has(subscription.status) || planOf(deps, subscription)) continue;
    loggerOf(deps).error(
      {
        tenantId,
        customerId: snapshot.customerId,
        subscriptionId: subscription.id,
        priceId: priceOf(subscription) ?? null,
      },
      "billing.sync.unknown_price",
    );
    deps.metrics?.increment("billing_unknown_price_total");
  }
}

/**
 * Creates the tenant's `billing_sync_state` row if missing and locks it. Answers the stored ticket
 * when it is higher than the snapshot's (a read that started later was written first), else undefined.
 */
async function lockSyncState(tx: Transaction, tenantId: string, snapshot: StripeSnapshot) {
  await tx
    .insert(billingSyncState)
    .values({ tenantId, snapshotSeq: 0, snapshotStartedAt: snapshot.startedAt })
    .onConflictDoNothing();
  // The row lock serialises the writers of one tenant; the ticket check orders them.
  const [state] = await tx
    .select()
    .from(billingSyncState)
    .where(eq(billingSyncState.tenantId, tenantId))
    .for("update");
  return state && state.snapshotSeq > snapshot.ticket ? state.snapshotSeq : undefined;
}

type StoredSubscription = typeof subscriptions.$inferSelect;

/** The stored row of one Stripe subscription, as written by this snapshot. */
function subscriptionRow(
  deps: SyncDeps,
  tenantId: string,
  customerId: string,
  subscription: Stripe.Subscription,
  before: StoredSubscription | undefined,
  now: Date,
) {
  const item = primaryItem(subscription);
  const match = planOf(deps, subscription);
  const scheduled = scheduledChange(deps, subscription);
  return {
    tenantId,
    stripeSubscriptionId: subscription.id,
    stripeCustomerId: customerId,
    status: subscription.status,
    // An unknown price keeps the plan we last knew for this subscription.
    plan: match?.plan.id ?? before?.plan ?? "unknown",
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
}

/**
 * Upserts the snapshot's subscriptions and appends to the transitions log every status the stored
 * row does not have (or a first sight). An impossible transition is logged, and still written.
 */
async function writeSubscriptions(
  tx: Transaction,
  deps: SyncDeps,
  tenantId: string,
  snapshot: StripeSnapshot,
  now: Date,
) {
  const previous = new Map(
    (await tx.select().from(subscriptions).where(eq(subscriptions.tenantId, tenantId))).map((row) => [
      row.stripeSubscriptionId,
      row,
    ]),
  );
  for (const subscription of snapshot.subscriptions) {
    const before = previous.get(subscription.id);
    if (before && isImpossibleTransition(before.status, subscription.status)) {
      loggerOf(deps).error(
        { tenantId, subscriptionId: subscription.id, from: before.status, to: subscription.status },
        "billing.sync.impossible_transition",
      );
    }
    const row = subscriptionRow(deps, tenantId, snapshot.customerId, subscription, before, now);
    await tx
      .insert(subscriptions)
      .values(row)
      .onConflictDoUpdate({
        target: [subscriptions.tenantId, subscriptions.stripeSubscriptionId],
        set: row,
      });
    if (!before || before.status !== subscription.status) {
      await tx.insert(subscriptionTransitions).values({
        id: newId("subscriptionTransition"),
        tenantId,
        stripeSubscriptionId: subscription.id,
        fromStatus: before?.status ?? null,
        toStatus: subscription.status,
        plan: row.plan,
        at: now,
      });
    }
  }
}

/** Upserts the snapshot's invoices. */
async function writeInvoices(tx: Transaction, tenantId: string, snapshot: StripeSnapshot, now: Date) {
  for (const invoice of snapshot.invoices) {
    const row = {
      tenantId,
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
}

/**
 * Computes the tenant's effective plan from its current subscription and, when it differs from the
 * stored one, writes it and records the plan change.
 */
async function applyEntitlement(
  tx: Transaction,
  deps: SyncDeps,
  tenantId: string,
  snapshot: StripeSnapshot,
  now: Date,
) {
  const [tenant] = await tx.select({ plan: tenants.plan }).from(tenants).where(eq(tenants.id, tenantId));
  const current = currentSubscription(snapshot.subscriptions);
  const entitlement = entitlementFor({
    status: current?.status ?? null,
    // A price the catalogue does not know keeps the tenant's last known plan rather than
    // dropping a paying customer to the default plan.
    plan: current ? (planOf(deps, current)?.plan.id ?? tenant?.plan ?? null) : null,
    pastDueSince: current ? pastDueSince(current) : null,
    now,
    graceMs: deps.pastDueGraceMs ?? DEFAULT_PAST_DUE_GRACE_MS,
    defaultPlan: deps.catalog.defaultPlan.id,
  });
  const planChanged = tenant?.plan !== entitlement.plan;
  if (planChanged) {
    await tx.update(tenants).set({ plan: entitlement.plan, updatedAt: now }).where(eq(tenants.id, tenantId));
    if (tenant) await recordPlanChange(tx, { tenantId, from: tenant.plan, to: entitlement.plan, at: now });
  }
  return { entitlement, planChanged };
}

/**
 * Writes the snapshot's subscriptions, invoices and the tenant's effective plan in one transaction.
 *
 * Ordering: the tenant's `billing_sync_state` row is locked first; when it already holds a higher
 * ticket, a read that started later has been written and this older snapshot is dropped whole, so
 * syncs that finish out of order still converge on the newest read. Stripe is never called here.
 *
 * @example
 * const result = await writeSnapshot(deps, tenant.id, snapshot);
 */
export async function writeSnapshot(
  deps: SyncDeps,
  tenantId: string,
  snapshot: StripeSnapshot,
): Promise<WriteResult> {
  alertUnknownPrices(deps, tenantId, snapshot);
  return deps.db.transaction(async (tx): Promise<WriteResult> => {
    const now = nowOf(deps);
    const storedTicket = await lockSyncState(tx, tenantId, snapshot);
    if (storedTicket !== undefined) return { written: false, storedTicket };
    await writeSubscriptions(tx, deps, tenantId, snapshot, now);
    await writeInvoices(tx, tenantId, snapshot, now);
    const { entitlement, planChanged } = await applyEntitlement(tx, deps, tenantId, snapshot, now);
    await tx
      .update(billingSyncState)
      .set({ snapshotSeq: snapshot.ticket, snapshotStartedAt: snapshot.startedAt, writtenAt: now })
      .where(eq(billingSyncState.tenantId, tenantId));
    return { written: true, entitlement, planChanged };
  });
}
