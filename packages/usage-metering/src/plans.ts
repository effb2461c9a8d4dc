/** @module The plan as metering sees it: the metering view of an `@org/plans` plan, and who provides it. */
import type { MeteringPlan } from "@org/plans";

export { type MeterTerms, meterTermsSchema } from "@org/plans";
/** The metering view of a plan (`@org/plans`' `MeteringPlan`: declare and validate plans there). */
export type Plan = MeteringPlan;

/**
 * Which plan a tenant is on. `@org/plans` owns the catalogue, billing the subscriptions; metering only
 * asks. May be async (a database or cache lookup); its answer is cached by the entitlement checks.
 *
 * @example
 * const views = createPlanViews(loadPlanCatalog()); // @org/plans
 * const planFor: PlanProvider = async (tenantId) => views.metering(await planIdOf(tenantId));
 */
export type PlanProvider = (tenantId: string) => Plan | Promise<Plan>;

/**
 * Which plan a tenant was on at an instant (epoch ms). Prices a closed period: a plan change after
 * the period must not reprice it. Billing answers from its plan history.
 */
export type PlanAtProvider = (tenantId: string, atMs: number) => Plan | Promise<Plan>;
