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
    (await deps.operations.runOnce(
      "customer:create",
      tenant.id,
      (idempotencyKey) =>
        deps.stripe.customers.create(
          {
            email: tenant.email,
            name: tenant.name,
            metadata: { tenant_id: tenant.id, tenant_slug: tenant.slug },
          },
          { idempotencyKey },
        ),
      // Past Stripe's 24 h memory of the key: the customer, if the lost call made it, carries the tenant id.
      { find: async () => idIfAny(await findCustomerByTenant(deps, tenant.id)) },
    ));
  // Only fills an empty mapping: a concurrent call that got here first has written the same id.
  await deps.db
    .update(tenants)
    .set({ stripeCustomerId: customerId, updatedAt: new Date() })
    .where(and(eq(tenants.id, tenant.id), isNull(tenants.stripeCustomerId)));
  return customerId;
}

const idIfAny = (id: string | undefined) => (id ? { id } : null);

/** Far above the customers one tenant could ever have; only bounds a runaway listing. */
const MAX_CUSTOMERS_PER_TENANT = 1_000;

/**
 * The oldest live Stripe customer whose metadata names the tenant, if any: the same one every
 * time, however many duplicates exist (every search page is read, not only the first).
 *
 * @example
 * const customerId = await findCustomerByTenant(deps, "ten_123");
 */
export async function findCustomerByTenant(
  deps: Pick<BillingDeps, "stripe">,
  tenantId: string,
): Promise<string | undefined> {
  // Our ids are [A-Za-z0-9_]: nothing that could break out of the quoted search term.
  if (!/^[A-Za-z0-9_]+$/.test(tenantId)) throw new Error(`not a tenant id: ${tenantId}`);
  const found = await deps.stripe.customers
    .search({ query: `metadata['tenant_id']:'${tenantId}'`, limit: 100 })
    .autoPagingToArray({ limit: MAX_CUSTOMERS_PER_TENANT });
  const live = found.filter((c) => !(c as { deleted?: boolean }).deleted);
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
