/** @module syncCustomer: Stripe is the source of truth; this is the only writer of subscription state. */
import { tenants } from "@org/db";
import { and, eq, isNull } from "drizzle-orm";
import type Stripe from "stripe";
import { loggerOf, type SyncDeps } from "./context.js";
import { cancelDuplicateSubscriptions } from "./duplicate-subscriptions.js";
import type { Entitlement } from "./entitlement-policy.js";
import { currentSubscription } from "./stripe-shapes.js";
import { readStripeSnapshot } from "./sync-snapshot.js";
import { writeSnapshot } from "./sync-write.js";

export interface SyncResult {
  /** `stale`: a newer Stripe read of this customer was written meanwhile; this one changed nothing. */
  outcome: "synced" | "stale" | "unknown_customer";
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

/**
 * Reads the customer's subscriptions and invoices from Stripe and writes them, the tenant's
 * effective plan included. Webhook handlers and the checkout success page call it; it never trusts
 * an event's payload, so duplicate and out-of-order events converge to Stripe's current state.
 *
 * Outages: Stripe is read with no database connection held (only a ticket is taken first), then
 * the write is one short transaction. A slow or hung Stripe therefore cannot exhaust the pool.
 *
 * Ordering: the ticket orders snapshots. A write whose ticket is lower than the one already written
 * is skipped (`outcome: "stale"`): a read that started later has been written, and every Stripe
 * change after that read sends an event whose sync takes a higher ticket still.
 *
 * One live subscription: a second one (two Checkouts completed) is cancelled, see
 * `duplicateSubscriptions`.
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
  const snapshot = await readStripeSnapshot(deps, customerId);
  snapshot.subscriptions = await cancelDuplicateSubscriptions(deps, tenant.id, snapshot.subscriptions);
  const current = currentSubscription(snapshot.subscriptions);
  const written = await writeSnapshot(deps, tenant.id, snapshot);
  if (!written.written) {
    log.info(
      { tenantId: tenant.id, ticket: snapshot.ticket, storedTicket: written.storedTicket },
      "billing.sync.stale_snapshot_skipped",
    );
    deps.metrics?.increment("billing_stale_snapshots_skipped_total");
    return { outcome: "stale", customerId, tenantId: tenant.id };
  }
  const result: SyncResult = {
    outcome: "synced",
    customerId,
    tenantId: tenant.id,
    subscriptionId: current?.id ?? null,
    status: current?.status ?? null,
    entitlement: written.entitlement,
    planChanged: written.planChanged,
  };
  if (written.planChanged) {
    log.info(
      { tenantId: tenant.id, plan: written.entitlement.plan, status: result.status },
      "billing.plan_changed",
    );
    await deps.onTenantChanged?.(tenant.id);
  }
  return result;
}
