/** @module The metering view of a plan: the meters with a quota, their overage price, features as a map. */
import { z } from "zod";
import { currencySchema, type Plan, planMeterSchema, planSchema } from "./schema.js";

/**
 * A plan's terms for one meter as metering checks them: a catalogue meter with a finite quota
 * (`included` not null, `limit` hard or soft). A meter the view does not list has no quota.
 */
export const meterTermsSchema = planMeterSchema.extend({
  included: planMeterSchema.shape.included.unwrap(),
  limit: planMeterSchema.shape.limit.exclude(["none"]),
});

/**
 * The plan as metering sees it, derived from the catalogue's plan schema: its id, the catalogue's
 * currency, the quota-bearing meters and the boolean features.
 */
export const meteringPlanSchema = planSchema.pick({ id: true }).extend({
  currency: currencySchema.default("usd"),
  meters: z.record(z.string(), meterTermsSchema).default({}),
  /** e.g. `{ sso: false, webhooks: true }`. A feature not listed is not available. */
  features: z.record(z.string(), z.boolean()).default({}),
});

export type MeterTerms = z.output<typeof meterTermsSchema>;
export type MeteringPlanInput = z.input<typeof meteringPlanSchema>;
export type MeteringPlan = z.output<typeof meteringPlanSchema>;

/**
 * The metering view of a catalogue plan: meters with a limit (hard or soft) and their overage price;
 * unlimited meters are left out (no quota); features as a map.
 *
 * @example
 * const view = toMeteringPlan(catalog.get("pro")!, catalog.currency);
 * view.meters.api_calls; // { included: 1_000_000, limit: "soft", overage: { model: "graduated", ... } }
 */
export function toMeteringPlan(plan: Plan, currency: string): MeteringPlan {
  const meters: MeteringPlan["meters"] = {};
  for (const [meter, terms] of Object.entries(plan.meters)) {
    if (terms.limit === "none" || terms.included === null) continue;
    meters[meter] = {
      included: terms.included,
      limit: terms.limit,
      ...(terms.overage ? { overage: terms.overage } : {}),
    };
  }
  return { id: plan.id, currency, meters, features: Object.fromEntries(plan.features.map((f) => [f, true])) };
}
