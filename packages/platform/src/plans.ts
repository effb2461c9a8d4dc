/** @module Plans as the request pipeline needs them: rate-limit policies and metering terms per plan. */
import { type PlanCatalog, toMeteringPlan } from "@org/billing";
import { createPolicy, type Policy } from "@org/ratelimit";
import type { Plan as MeteringPlan } from "@org/usage-metering";

/** The self-hosted organisation's plan: every feature, no quotas, a configurable rate. */
export const SELF_HOSTED_PLAN = "self_hosted";

export interface PlatformPlans {
  /** Rate-limit policies of a plan; the same array for the same plan (the limiter caches by identity). */
  policies(planId: string): readonly Policy[];
  /** The plan as metering sees it. */
  metering(planId: string): MeteringPlan;
}

/**
 * The catalogue's plans, plus `self_hosted` when `selfHosted` is given: every feature of the
 * catalogue, no quotas, and `ratePerSecond` with a burst of twice that. An unknown plan id gets the
 * catalogue's default plan (multi-tenant) or `self_hosted` (self-hosted).
 *
 * @example
 * const plans = createPlatformPlans(loadPlanCatalog(), { selfHosted: { ratePerSecond: 1000 } });
 * plans.policies("pro"); // [GCRA 100/s, burst 200]
 */
export function createPlatformPlans(
  catalog: PlanCatalog,
  options: { selfHosted?: { ratePerSecond: number } } = {},
): PlatformPlans {
  const policies = new Map<string, readonly Policy[]>();
  const meteringPlans = new Map<string, MeteringPlan>();
  for (const plan of catalog.plans) {
    policies.set(plan.id, [
      createPolicy({
        name: plan.id,
        rate: plan.rateLimit.perSecond,
        periodMs: 1_000,
        burst: plan.rateLimit.burst,
      }),
    ]);
    meteringPlans.set(plan.id, toMeteringPlan(plan, catalog.currency));
  }
  let fallback = catalog.defaultPlan.id;
  if (options.selfHosted) {
    const rate = options.selfHosted.ratePerSecond;
    policies.set(SELF_HOSTED_PLAN, [
      createPolicy({
        name: SELF_HOSTED_PLAN,
        rate,
        periodMs: 1_000,
        burst: Math.max(1, Math.round(rate * 2)),
      }),
    ]);
    const everyFeature = Object.fromEntries(catalog.plans.flatMap((p) => p.features).map((f) => [f, true]));
    meteringPlans.set(SELF_HOSTED_PLAN, {
      id: SELF_HOSTED_PLAN,
      currency: catalog.currency,
      meters: {},
      features: everyFeature,
    });
    fallback = SELF_HOSTED_PLAN;
  }
  return {
    policies: (planId) => policies.get(planId) ?? policies.get(fallback)!,
    metering: (planId) => meteringPlans.get(planId) ?? meteringPlans.get(fallback)!,
  };
}
