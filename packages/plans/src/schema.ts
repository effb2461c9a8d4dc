/** @module The plans catalogue's shape: what a plan costs, includes, limits and enables. */
import { z } from "zod";
import { priceSchema } from "./price.js";

const minorUnits = z.number().int().nonnegative();

/** An ISO 4217 currency code, lower case (Stripe's spelling). */
export const currencySchema = z.string().length(3).toLowerCase();

/**
 * How overage (usage above `included`) is priced (per_unit, package, graduated, volume; integer minor
 * units): the one price schema metering also prices with, so the catalogue and the invoice preview
 * can never disagree on a price.
 */
export const overagePricingSchema = priceSchema;

export const planMeterSchema = z.object({
  /** Included per billing period; null = unlimited. */
  included: z.number().int().nonnegative().nullable(),
  /** hard: refuse above `included`; soft: allow and bill overage; none: not limited. */
  limit: z.enum(["hard", "soft", "none"]),
  overage: overagePricingSchema.optional(),
});

const stripePriceSchema = z.object({
  /** The Stripe price id (`price_...`). */
  priceId: z.string().min(1),
  lookupKey: z.string().min(1).optional(),
  /** What the price costs per interval, minor units (used to rank plans and for display). */
  amount: minorUnits,
  /**
   * Earlier Stripe prices of this plan and interval that existing subscriptions may still be on
   * (grandfathering after a price rotation): they map to this plan, new checkouts use `priceId`.
   */
  legacyPriceIds: z.array(z.string().min(1)).default([]),
});

export const planSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
  name: z.string().min(1),
  prices: z.object({ month: stripePriceSchema.optional(), year: stripePriceSchema.optional() }),
  rateLimit: z.object({ perSecond: z.number().positive(), burst: z.number().int().positive() }),
  meters: z.record(z.string(), planMeterSchema),
  features: z.array(z.string()),
  /**
   * Days of a card-less trial granted at signup (Stripe's `trial_period_days`, at most 730); absent:
   * signup on this plan goes through checkout. Only plans with a price can have a trial.
   */
  trialDays: z.number().int().positive().max(730).optional(),
});

export const catalogSchema = z
  .object({
    currency: currencySchema,
    /** The plan of tenants without a paid, entitled subscription. */
    defaultPlan: z.string(),
    plans: z.array(planSchema).min(1),
  })
  .superRefine((catalog, ctx) => {
    const ids = new Set<string>();
    const priceIds = new Set<string>();
    for (const plan of catalog.plans) {
      if (ids.has(plan.id)) ctx.addIssue({ code: "custom", message: `plan ${plan.id} is declared twice` });
      ids.add(plan.id);
      for (const price of Object.values(plan.prices)) {
        if (!price) continue;
        for (const priceId of [price.priceId, ...price.legacyPriceIds]) {
          if (priceIds.has(priceId))
            ctx.addIssue({ code: "custom", message: `price ${priceId} is used twice` });
          priceIds.add(priceId);
        }
      }
      if (plan.trialDays !== undefined && !plan.prices.month && !plan.prices.year)
        ctx.addIssue({ code: "custom", message: `plan ${plan.id}: trialDays needs a price` });
      for (const [meter, m] of Object.entries(plan.meters)) {
        if (m.limit === "soft" && m.included !== null && !m.overage)
          ctx.addIssue({
            code: "custom",
            message: `plan ${plan.id}: soft limit on ${meter} needs overage pricing`,
          });
      }
    }
    if (!ids.has(catalog.defaultPlan))
      ctx.addIssue({ code: "custom", message: `defaultPlan ${catalog.defaultPlan} is not a declared plan` });
  });

export type OveragePricing = z.infer<typeof overagePricingSchema>;
export type PlanMeter = z.infer<typeof planMeterSchema>;
export type Plan = z.infer<typeof planSchema>;
export type CatalogData = z.infer<typeof catalogSchema>;
export type Interval = "month" | "year";
