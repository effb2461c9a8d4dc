/** @module Plans as the request pipeline needs them: rate-limit policies and metering terms per plan. */
import { createPlanViews, type MeteringPlan, type PlanCatalog, SELF_HOSTED_PLAN } from "@org/plans";
import { createPolicy, type Policy } from "@org/ratelimit";

export { SELF_HOSTED_PLAN };

export interface PlatformPlans {
  /** Rate-limit policies of a plan; the same array for the same plan (the limiter caches by identity). */
  policies(planId: string): readonly Policy[];
  /** The plan as metering sees it. */
  metering(planId: string): MeteringPlan;
}

/**
 * The catalogue's plan views (`@org/plans`) wired to the limiter's policies, plus `self_hosted` when
 * `selfHosted` is given. An unknown plan id gets the catalogue's default plan (multi-tenant) or
 * `self_hosted` (self-hosted).
 *
 * @example
 * const plans = createPlatformPlans(loadPlanCatalog(), { selfHosted: { ratePerSecond: 1000 } });
 * plans.policies("pro"); // [GCRA 100/s, burst 200]
 */
export function createPlatformPlans(
  catalog: PlanCatalog,
  options: { selfHosted?: { ratePerSecond: number } } = {},
): PlatformPlans {
  const views = createPlanViews(catalog, options);
  const policies = new Map<string, readonly Policy[]>();
  return {
    policies(planId) {
      const terms = views.rateLimit(planId);
      let cached = policies.get(terms.name);
      if (!cached) {
        cached = [createPolicy(terms)];
        policies.set(terms.name, cached);
      }
      return cached;
    },
    metering: (planId) => views.metering(planId),
  };
}
