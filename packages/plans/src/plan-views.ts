/** @module Every plan's metering and rate-limit views, including the self-hosted organisation's plan. */
import type { PlanCatalog } from "./catalog.js";
import { type MeteringPlan, toMeteringPlan } from "./metering-view.js";
import { type RateLimitTerms, toRateLimitTerms } from "./rate-limit-view.js";

/** The self-hosted organisation's plan: every feature, no quotas, a configurable rate. */
export const SELF_HOSTED_PLAN = "self_hosted";

export interface PlanViewsOptions {
  /** Adds the `self_hosted` plan with this rate per second (burst = 2x) and makes it the fallback. */
  selfHosted?: { ratePerSecond: number };
}

export interface PlanViews {
  /** The plan's rate-limit terms; the same object for the same plan. */
  rateLimit(planId: string): RateLimitTerms;
  /** The plan as metering sees it; the same object for the same plan. */
  metering(planId: string): MeteringPlan;
}

/**
 * The catalogue's plans as views, plus `self_hosted` when `selfHosted` is given: every feature of the
 * catalogue, no quotas, and `ratePerSecond` with a burst of twice that. An unknown plan id gets the
 * catalogue's default plan (multi-tenant) or `self_hosted` (self-hosted).
 *
 * @example
 * const views = createPlanViews(loadPlanCatalog(), { selfHosted: { ratePerSecond: 1000 } });
 * views.rateLimit("pro"); // { name: "pro", rate: 100, periodMs: 1000, burst: 200 }
 */
export function createPlanViews(catalog: PlanCatalog, options: PlanViewsOptions = {}): PlanViews {
  const rateLimits = new Map<string, RateLimitTerms>();
  const meteringPlans = new Map<string, MeteringPlan>();
  for (const plan of catalog.plans) {
    rateLimits.set(plan.id, toRateLimitTerms(plan));
    meteringPlans.set(plan.id, toMeteringPlan(plan, catalog.currency));
  }
  let fallback = catalog.defaultPlan.id;
  if (options.selfHosted) {
    const rate = options.selfHosted.ratePerSecond;
    const burst = Math.max(1, Math.round(rate * 2));
    rateLimits.set(SELF_HOSTED_PLAN, { name: SELF_HOSTED_PLAN, rate, periodMs: 1_000, burst });
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
    rateLimit: (planId) => rateLimits.get(planId) ?? rateLimits.get(fallback)!,
    metering: (planId) => meteringPlans.get(planId) ?? meteringPlans.get(fallback)!,
  };
}
