/** @module Whether a tenant's overage reached its spend cap, answered from the caches alone. */
import { overageAmount } from "./alerts.js";
import type { EntitlementCache } from "./entitlements.js";
import type { Plan } from "./plans.js";
import type { SpendCapCache } from "./spend-caps.js";

/**
 * The metering's `overSpendCap()`, bound to its caches once.
 *
 * @example
 * const overSpendCap = createOverSpendCap({ spendCaps, cache });
 * if (overSpendCap(tenantId, "tokens")) return c.json(problem, 402);
 */
export function createOverSpendCap(deps: { spendCaps: SpendCapCache; cache: EntitlementCache }) {
  const { spendCaps, cache } = deps;

  /**
   * Whether the tenant's overage on `meter` has reached its spend cap, from the caches only (no I/O).
   * False while the tenant's plan, usage or settings are not cached yet.
   */
  return function overSpendCap(tenantId: string, meter: string, plan?: Plan): boolean {
    const cap = spendCaps.capOf(tenantId, meter);
    if (cap === undefined) return false;
    const known = plan ?? cache.planCached(tenantId);
    const used = cache.checkCached(tenantId, meter, plan)?.used;
    return known !== undefined && used !== undefined && overageAmount(known, meter, used) >= cap;
  };
}
