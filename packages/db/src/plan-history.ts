/** @module Which plan a tenant was on at a given instant: recording changes and reading them back. */
import { and, asc, desc, eq, gt, lte, type SQL } from "drizzle-orm";
import type { Executor } from "./client.js";
import { tenantPlanHistory, tenants } from "./schema/tenancy.js";

/** One change of a tenant's plan, effective at `at`. */
export interface PlanChange {
  tenantId: string;
  from: string;
  to: string;
  at: Date;
}

/**
 * Records a plan change. Call it in the transaction that writes `tenants.plan`, so the history and
 * the tenant never disagree. Two changes at the same instant keep the first one's `previousPlan`.
 *
 * @example
 * await db.transaction(async (tx) => {
 *   await tx.update(tenants).set({ plan: "enterprise" }).where(eq(tenants.id, tenantId));
 *   await recordPlanChange(tx, { tenantId, from: "pro", to: "enterprise", at: new Date() });
 * });
 */
export async function recordPlanChange(executor: Executor, change: PlanChange): Promise<void> {
  await executor
    .insert(tenantPlanHistory)
    .values({ tenantId: change.tenantId, effectiveAt: change.at, plan: change.to, previousPlan: change.from })
    .onConflictDoUpdate({
      target: [tenantPlanHistory.tenantId, tenantPlanHistory.effectiveAt],
      set: { plan: change.to },
    });
}

/**
 * The plan a tenant was on at `at`: the last change effective at or before it; before the first
 * recorded change, that change's previous plan; with no recorded change, the tenant's plan.
 * `undefined` for an unknown tenant.
 *
 * @example
 * await planInForceAt(db, tenantId, new Date(period.end - 1)); // "pro"
 */
export async function planInForceAt(
  executor: Executor,
  tenantId: string,
  at: Date,
): Promise<string | undefined> {
  const h = tenantPlanHistory;
  const nearest = async (column: typeof h.plan | typeof h.previousPlan, when: SQL, order: SQL) => {
    const [row] = await executor
      .select({ plan: column })
      .from(h)
      .where(and(eq(h.tenantId, tenantId), when))
      .orderBy(order)
      .limit(1);
    return row?.plan;
  };
  const inForce =
    (await nearest(h.plan, lte(h.effectiveAt, at), desc(h.effectiveAt))) ??
    (await nearest(h.previousPlan, gt(h.effectiveAt, at), asc(h.effectiveAt)));
  if (inForce !== undefined) return inForce;
  const [tenant] = await executor
    .select({ plan: tenants.plan })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  return tenant?.plan;
}
