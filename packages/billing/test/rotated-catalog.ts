import { type CatalogData, createPlanCatalog, DEFAULT_PLANS, type PlanCatalog } from "@org/plans";

/** The price pro's monthly price is rotated to by default in {@link rotatedCatalog}. */
export const ROTATED_PRO_MONTHLY = "price_pro_monthly_2027";

/**
 * The default catalogue after pro's monthly price was rotated from `price_pro_monthly` to `to`:
 * with the old price listed as legacy (grandfathered), or forgotten.
 */
export function rotatedCatalog(options: { keepOldAsLegacy: boolean; to?: string }): PlanCatalog {
  const data = structuredClone(DEFAULT_PLANS) as CatalogData;
  const month = data.plans.find((p) => p.id === "pro")!.prices.month!;
  month.legacyPriceIds = options.keepOldAsLegacy ? [month.priceId] : [];
  month.priceId = options.to ?? ROTATED_PRO_MONTHLY;
  delete month.lookupKey;
  return createPlanCatalog(data);
}
