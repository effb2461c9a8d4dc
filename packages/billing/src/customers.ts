/** @module Exactly one Stripe customer per tenant. */
import { tenants } from "@org/db";
import { and, eq, isNull } from "drizzle-orm";
import type { BillingDeps } from "./context.js";

export interface TenantForBilling {
  id: string;
  slug: string;
  name: string;
  email: string;
  stripeCustomerId: string | null;
}

/**
 * The tenant's Stripe customer id, creating the customer once if there is none.
 * Order of truth: our record; else a customer Stripe already has for the tenant (metadata search,
 * which repairs a lost record); else a new one through the idempotent outbound operation
 * `customer:create` keyed by the tenant id, so concurrent calls and retries after a crash all end
 * with the same single customer.
 *
 * @example
 * const customerId = await ensureCustomer(deps, tenant);
 */
export async function ensureCustomer(deps: BillingDeps, tenant: TenantForBilling): Promise<string> {
  if (tenant.stripeCustomerId) return tenant.stripeCustomerId;
  const found = await findCustomerByTenant(deps, tenant.id);
  const customerId =
    found ??
    (await deps.operations.runOnce("customer:create", tenant.id, (idempotencyKey) =>
      deps.stripe.customers.create(
        {
          email: tenant.email,
          name: tenant.name,
          metadata: { tenant_id: tenant.id, tenant_slug: tenant.slug },
        },
        { idempotencyKey },
      ),
    ));
  // Only fills an empty mapping: a concurrent call that got here first has written the same id.
  await deps.db
    .update(tenants)
    .set({ stripeCustomerId: customerId, updatedAt: new Date() })
    .where(and(eq(tenants.id, tenant.id), isNull(tenants.stripeCustomerId)));
  return customerId;
}

/** The live Stripe customer whose metadata names the tenant, if any. */
export async function findCustomerByTenant(deps: BillingDeps, tenantId: string): Promise<string | undefined> {
  // Our ids are [A-Za-z0-9_]: nothing that could break out of the quoted search term.
  if (!/^[A-Za-z0-9_]+$/.test(tenantId)) throw new Error(`not a tenant id: ${tenantId}`);
  const result = await deps.stripe.customers.search({
    query: `metadata['tenant_id']:'${tenantId}'`,
    limit: 10,
  });
  const live = result.data.filter((c) => !(c as { deleted?: boolean }).deleted);
  live.sort((a, b) => a.created - b.created);
  return live[0]?.id;
}

/** Deletes the tenant's Stripe customer (a compensation of the signup saga). Missing -> nothing to do. */
export async function deleteCustomer(deps: Pick<BillingDeps, "stripe">, customerId: string): Promise<void> {
  try {
    await deps.stripe.customers.del(customerId);
  } catch (error) {
    if ((error as { code?: string }).code === "resource_missing") return;
    throw error;
  }
}
