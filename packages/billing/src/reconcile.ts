/** @module Reconcile: sync every customer, to repair any drift (missed webhooks, manual edits). */
import { tenants } from "@org/db";
import { and, asc, gt, isNotNull } from "drizzle-orm";
import { loggerOf, type SyncDeps } from "./context.js";
import { syncCustomer } from "./sync.js";

export interface ReconcileProgress {
  done: number;
  failed: number;
  lastTenantId: string;
}

/**
 * Syncs every tenant that has a Stripe customer, in id order and in pages, reporting progress.
 * One failing customer is logged and counted; the run goes on.
 *
 * @example
 * await reconcileAll(deps, { onProgress: (p) => console.log(`${p.done} synced, ${p.failed} failed`) });
 */
export async function reconcileAll(
  deps: SyncDeps,
  options: { pageSize?: number; onProgress?: (progress: ReconcileProgress) => void } = {},
): Promise<{ done: number; failed: number; planChanges: number }> {
  const log = loggerOf(deps);
  let done = 0;
  let failed = 0;
  let planChanges = 0;
  let after = "";
  for (;;) {
    const page = await deps.db
      .select({ id: tenants.id, customerId: tenants.stripeCustomerId })
      .from(tenants)
      .where(and(isNotNull(tenants.stripeCustomerId), gt(tenants.id, after)))
      .orderBy(asc(tenants.id))
      .limit(options.pageSize ?? 100);
    if (page.length === 0) break;
    for (const { id, customerId } of page) {
      try {
        const result = await syncCustomer(deps, customerId!);
        if (result.planChanged) planChanges++;
        done++;
      } catch (error) {
        failed++;
        log.error({ tenantId: id, customerId, err: error }, "billing.reconcile.failed");
      }
      after = id;
    }
    options.onProgress?.({ done, failed, lastTenantId: after });
  }
  return { done, failed, planChanges };
}
