/** @module The plan as metering sees it: the metering view of an `@org/plans` plan, and who provides it. */
import { type MeteringPlan, type MeteringPlanInput, meteringPlanSchema } from "@org/plans";
import { z } from "zod";

export { type MeterTerms, meterTermsSchema } from "@org/plans";
/** The metering view's schema (`@org/plans`' `meteringPlanSchema`), under metering's historic name. */
export const planSchema = meteringPlanSchema;
export type PlanInput = MeteringPlanInput;
export type Plan = MeteringPlan;

/**
 * Which plan a tenant is on. `@org/plans` owns the catalogue, billing the subscriptions; metering only
 * asks. May be async (a database or cache lookup); its answer is cached by the entitlement checks.
 */
export type PlanProvider = (tenantId: string) => Plan | Promise<Plan>;

/**
 * Which plan a tenant was on at an instant (epoch ms). Prices a closed period: a plan change after
 * the period must not reprice it. Billing answers from its plan history.
 */
export type PlanAtProvider = (tenantId: string, atMs: number) => Plan | Promise<Plan>;

/**
 * Validates a catalogue (zod) and returns a provider that looks the tenant's plan id up in it.
 *
 * @throws Error at creation for an invalid plan; at lookup for an unknown plan id.
 * @example
 * const planFor = catalogue([{ id: "free", meters: { api_calls: { included: 10_000, limit: "hard" } } }],
 *   (tenantId) => tenants.get(tenantId)!.plan);
 */
export function catalogue(
  plans: readonly PlanInput[],
  planIdOf: (tenantId: string) => string | Promise<string>,
): PlanProvider {
  const byId = new Map(
    z
      .array(planSchema)
      .parse(plans)
      .map((p) => [p.id, p]),
  );
  return async (tenantId) => {
    const id = await planIdOf(tenantId);
    const plan = byId.get(id);
    if (!plan) throw new Error(`unknown plan "${id}" for tenant ${tenantId}`);
    return plan;
  };
}
