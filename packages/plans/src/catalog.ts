/** @module The plans catalogue: the one place the platform asks "what may this tenant do". */
import { readFileSync } from "node:fs";
import defaultPlans from "../plans/default-plans.json" with { type: "json" };
import { type CatalogData, catalogSchema, type Interval, type Plan } from "./schema.js";

/** The default catalogue (free, pro, enterprise), also shipped as `@org/plans/default-plans.json`. */
export const DEFAULT_PLANS: unknown = defaultPlans;

export interface PriceMatch {
  plan: Plan;
  interval: Interval;
  /** A grandfathered price (listed in `legacyPriceIds`), no longer sold. */
  legacy: boolean;
}

export interface PlanCatalog {
  readonly currency: string;
  readonly defaultPlan: Plan;
  readonly plans: readonly Plan[];
  /** The plan with this id, or undefined. */
  get(planId: string): Plan | undefined;
  /** The plan and interval a Stripe price belongs to, current or legacy (grandfathered) price alike. */
  byPriceId(priceId: string): PriceMatch | undefined;
  /** The Stripe price id of a plan at an interval, or undefined when that combination is not sold. */
  priceId(planId: string, interval: Interval): string | undefined;
  /** Whether the plan costs money (has at least one price). */
  isPaid(planId: string): boolean;
  /** Monthly-equivalent price in minor units, to order plans: a higher value is an upgrade. */
  monthlyValue(planId: string, interval?: Interval): number;
  /** Whether the plan enables a boolean feature. */
  hasFeature(planId: string, feature: string): boolean;
}

export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CatalogError";
  }
}

/**
 * Validates catalogue data and indexes it.
 *
 * @throws {CatalogError} listing every problem, so a bad PLANS_FILE stops the app at start.
 * @example
 * const catalog = createPlanCatalog(JSON.parse(readFileSync(env.PLANS_FILE, "utf8")));
 * catalog.byPriceId("price_pro_monthly"); // { plan: { id: "pro", ... }, interval: "month" }
 */
export function createPlanCatalog(data: unknown): PlanCatalog {
  const parsed = catalogSchema.safeParse(data);
  if (!parsed.success) {
    throw new CatalogError(
      `invalid plans catalogue: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  }
  const catalog: CatalogData = parsed.data;
  const byId = new Map(catalog.plans.map((p) => [p.id, p]));
  const byPrice = new Map<string, PriceMatch>();
  for (const plan of catalog.plans) {
    for (const interval of ["month", "year"] as const) {
      const price = plan.prices[interval];
      if (!price) continue;
      byPrice.set(price.priceId, { plan, interval, legacy: false });
      for (const legacy of price.legacyPriceIds) byPrice.set(legacy, { plan, interval, legacy: true });
    }
  }
  const monthlyValue = (planId: string, interval?: Interval) => {
    const plan = byId.get(planId);
    if (!plan) return 0;
    const month = plan.prices.month?.amount;
    const year = plan.prices.year?.amount;
    if (interval === "year" && year !== undefined) return Math.round(year / 12);
    if (month !== undefined) return month;
    return year !== undefined ? Math.round(year / 12) : 0;
  };
  return {
    currency: catalog.currency,
    defaultPlan: byId.get(catalog.defaultPlan)!,
    plans: catalog.plans,
    get: (planId) => byId.get(planId),
    byPriceId: (priceId) => byPrice.get(priceId),
    priceId: (planId, interval) => byId.get(planId)?.prices[interval]?.priceId,
    isPaid: (planId) => {
      const plan = byId.get(planId);
      return !!plan && (plan.prices.month !== undefined || plan.prices.year !== undefined);
    },
    monthlyValue,
    hasFeature: (planId, feature) => byId.get(planId)?.features.includes(feature) ?? false,
  };
}

/**
 * Reads and validates a catalogue file (JSON); the default catalogue when no path is given.
 *
 * @example
 * const catalog = loadPlanCatalog(env.PLANS_FILE);
 */
export function loadPlanCatalog(file?: string): PlanCatalog {
  if (!file) return createPlanCatalog(DEFAULT_PLANS);
  let raw: string;
  try {
    raw = readFileSync(file, "utf8");
  } catch (error) {
    throw new CatalogError(`cannot read plans file ${file}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (error) {
    throw new CatalogError(`plans file ${file} is not JSON: ${(error as Error).message}`);
  }
  return createPlanCatalog(data);
}
