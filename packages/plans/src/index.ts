/** @module @org/plans: the plans catalogue, and the metering and rate-limit views of a plan. */
export {
  CatalogError,
  createPlanCatalog,
  DEFAULT_PLANS,
  loadPlanCatalog,
  type PlanCatalog,
  type PriceMatch,
} from "./catalog.js";
export {
  type MeteringPlan,
  type MeteringPlanInput,
  type MeterTerms,
  meteringPlanSchema,
  meterTermsSchema,
  toMeteringPlan,
} from "./metering-view.js";
export { createPlanViews, type PlanViews, type PlanViewsOptions, SELF_HOSTED_PLAN } from "./plan-views.js";
export { type Price, type PriceInput, priceSchema, type Tier, tierSchema } from "./price.js";
export { type RateLimitTerms, toRateLimitTerms } from "./rate-limit-view.js";
export {
  type CatalogData,
  catalogSchema,
  currencySchema,
  type Interval,
  type OveragePricing,
  overagePricingSchema,
  type Plan,
  type PlanMeter,
  planMeterSchema,
  planSchema,
} from "./schema.js";
