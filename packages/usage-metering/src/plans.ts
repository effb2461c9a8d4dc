/** @module The plan shape metering needs: included quantities, limits, overage prices, features. */
import { z } from "zod";
import { priceSchema } from "./pricing.js";

/** A plan's terms for one meter. A meter the plan does not list has no quota. */
export const meterTermsSchema = z.object({
  /** Included per billing period. */
  included: z.number().int().nonnegative(),
  /** `hard`: checks refuse once used >= included. `soft`: allowed, the excess is overage. */
  limit: z.enum(["hard", "soft"]),
  /** How usage above `included` is priced; absent -> not priced. */
  overage: priceSchema.optional(),
});

export const planSchema = z.object({
  id: z.string().min(1),
  currency: z.string().length(3).default("usd"),
  meters: z.record(z.string(), meterTermsSchema).default({}),
  /** Boolean features, e.g. `{ sso: false, webhooks: true }`. A feature not listed is not available. */
  features: z.record(z.string(), z.boolean()).default({}),
});

export type PlanInput = z.input<typeof planSchema>;
export type Plan = z.output<typeof planSchema>;
export type MeterTerms = z.output<typeof meterTermsSchema>;

/**
 * Which plan a tenant is on. The billing package owns the catalogue and subscriptions; metering only
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
