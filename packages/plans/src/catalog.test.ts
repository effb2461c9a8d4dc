import { describe, expect, it } from "vitest";
import { CatalogError, createPlanCatalog, DEFAULT_PLANS, loadPlanCatalog } from "./catalog.js";
import { toMeteringPlan } from "./metering-view.js";
import type { CatalogData } from "./schema.js";

const ROTATED_PRO_MONTHLY = "price_pro_monthly_2027";

/** The default catalogue after pro's monthly price moved to a new price, the old one legacy or forgotten. */
function rotatedCatalog(options: { keepOldAsLegacy: boolean }) {
  const data = structuredClone(DEFAULT_PLANS) as CatalogData;
  const month = data.plans.find((p) => p.id === "pro")!.prices.month!;
  month.legacyPriceIds = options.keepOldAsLegacy ? [month.priceId] : [];
  month.priceId = ROTATED_PRO_MONTHLY;
  return createPlanCatalog(data);
}

describe("the default catalogue", () => {
  const catalog = loadPlanCatalog();

  it("has the design's plans, prices and limits", () => {
    expect(catalog.plans.map((p) => p.id)).toEqual(["free", "pro", "enterprise"]);
    expect(catalog.defaultPlan.id).toBe("free");
    expect(catalog.get("pro")?.prices).toMatchObject({ month: { amount: 4900 }, year: { amount: 49000 } });
    expect(catalog.get("enterprise")?.prices).toMatchObject({
      month: { amount: 49900 },
      year: { amount: 499000 },
    });
    expect(catalog.get("free")?.rateLimit).toEqual({ perSecond: 10, burst: 20 });
    expect(catalog.get("pro")?.rateLimit).toEqual({ perSecond: 100, burst: 200 });
    expect(catalog.get("enterprise")?.rateLimit).toEqual({ perSecond: 1000, burst: 2000 });
    expect(catalog.get("free")?.meters.api_calls).toEqual({ included: 10_000, limit: "hard" });
    expect(catalog.get("pro")?.meters.tokens?.included).toBe(10_000_000);
    expect(catalog.get("enterprise")?.meters.api_calls?.included).toBe(20_000_000);
  });

  it("maps Stripe prices back to plan and interval", () => {
    const match = catalog.byPriceId(catalog.priceId("pro", "year")!);
    expect(match?.plan.id).toBe("pro");
    expect(match?.interval).toBe("year");
    expect(catalog.byPriceId("price_unknown")).toBeUndefined();
    expect(catalog.priceId("free", "month")).toBeUndefined();
  });

  it("orders plans so that moving up is an upgrade", () => {
    expect(catalog.monthlyValue("free")).toBe(0);
    expect(catalog.monthlyValue("pro")).toBeLessThan(catalog.monthlyValue("enterprise"));
    expect(catalog.monthlyValue("pro", "year")).toBeLessThan(catalog.monthlyValue("pro", "month"));
    expect(catalog.isPaid("free")).toBe(false);
    expect(catalog.isPaid("pro")).toBe(true);
  });

  it("answers feature questions per plan", () => {
    expect(catalog.hasFeature("enterprise", "sso")).toBe(true);
    expect(catalog.hasFeature("pro", "sso")).toBe(false);
    expect(catalog.hasFeature("pro", "audit_log_export")).toBe(true);
    expect(catalog.hasFeature("free", "audit_log_export")).toBe(false);
    for (const plan of ["free", "pro", "enterprise"]) expect(catalog.hasFeature(plan, "webhooks")).toBe(true);
  });

  it("offers a card-less trial on enterprise only", () => {
    expect(catalog.get("enterprise")?.trialDays).toBe(14);
    expect(catalog.get("pro")?.trialDays).toBeUndefined();
    expect(catalog.get("free")?.trialDays).toBeUndefined();
  });
});

describe("trialDays", () => {
  const withTrial = (plan: string, trialDays: unknown) => {
    const data = structuredClone(DEFAULT_PLANS) as { plans: { id: string; trialDays?: unknown }[] };
    for (const p of data.plans) if (p.id === plan) p.trialDays = trialDays;
    return data;
  };

  it("refuses a trial on a plan without a price, and a trial longer than Stripe's 730 days", () => {
    expect(() => createPlanCatalog(withTrial("free", 14))).toThrow(/free: trialDays needs a price/);
    expect(() => createPlanCatalog(withTrial("pro", 731))).toThrow(CatalogError);
    expect(() => createPlanCatalog(withTrial("pro", 0))).toThrow(CatalogError);
    expect(createPlanCatalog(withTrial("pro", 30)).get("pro")?.trialDays).toBe(30);
  });
});

describe("a rotated price", () => {
  it("still maps subscriptions on the old price to their plan when the old price is listed as legacy", () => {
    const catalog = rotatedCatalog({ keepOldAsLegacy: true });
    expect(catalog.byPriceId("price_pro_monthly")).toMatchObject({
      plan: { id: "pro" },
      interval: "month",
      legacy: true,
    });
    expect(catalog.byPriceId(ROTATED_PRO_MONTHLY)).toMatchObject({ plan: { id: "pro" }, legacy: false });
    // New checkouts and plan changes use the current price only.
    expect(catalog.priceId("pro", "month")).toBe(ROTATED_PRO_MONTHLY);
  });

  it("maps the old price to nothing once it is forgotten", () => {
    expect(rotatedCatalog({ keepOldAsLegacy: false }).byPriceId("price_pro_monthly")).toBeUndefined();
  });

  it("refuses a legacy price that another plan still sells", () => {
    const data = structuredClone(DEFAULT_PLANS) as {
      plans: { id: string; prices: { month?: { legacyPriceIds?: string[] } } }[];
    };
    data.plans.find((p) => p.id === "enterprise")!.prices.month!.legacyPriceIds = ["price_pro_monthly"];
    expect(() => createPlanCatalog(data)).toThrow(/price price_pro_monthly is used twice/);
  });
});

describe("toMeteringPlan", () => {
  it("gives metering the limited meters with their prices, and the features as a map", () => {
    const catalog = loadPlanCatalog();
    const pro = toMeteringPlan(catalog.get("pro")!, catalog.currency);
    expect(Object.keys(pro.meters).sort()).toEqual(["api_calls", "tokens"]);
    expect(pro.features).toEqual({ audit_log_export: true, webhooks: true });
    // The design's prices: 50 per started 1,000 extra api_calls; tokens 2 per 1,000 then 1 per 1,000.
    expect(pro.meters.api_calls!.overage).toEqual({ model: "package", size: 1_000, amount: 50 });
    expect(pro.meters.tokens!.overage).toMatchObject({
      model: "graduated",
      tiers: [
        { upTo: 10_000_000, amount: 2, per: 1_000 },
        { upTo: null, amount: 1, per: 1_000 },
      ],
    });
    const free = toMeteringPlan(catalog.get("free")!, catalog.currency);
    expect(free.meters.api_calls).toEqual({ included: 10_000, limit: "hard" });
  });
});

describe("a bad catalogue", () => {
  const base = structuredClone(DEFAULT_PLANS) as {
    defaultPlan: string;
    plans: { id: string; meters: Record<string, unknown> }[];
  };

  it("is refused with every problem named", () => {
    const bad = structuredClone(base);
    bad.defaultPlan = "gold";
    bad.plans.push(structuredClone(bad.plans[1]!));
    expect(() => createPlanCatalog(bad)).toThrow(CatalogError);
    try {
      createPlanCatalog(bad);
    } catch (error) {
      expect((error as Error).message).toContain("defaultPlan gold");
      expect((error as Error).message).toContain("plan pro is declared twice");
      expect((error as Error).message).toContain("price price_pro_monthly is used twice");
    }
  });

  it("refuses a soft limit without overage pricing, and fractional money", () => {
    const soft = structuredClone(base);
    soft.plans[1]!.meters.api_calls = { included: 10, limit: "soft" };
    expect(() => createPlanCatalog(soft)).toThrow(/needs overage pricing/);
    const fractional = structuredClone(base);
    fractional.plans[1]!.meters.api_calls = {
      included: 10,
      limit: "soft",
      overage: { model: "package", size: 1000, amount: 0.5 },
    };
    expect(() => createPlanCatalog(fractional)).toThrow(CatalogError);
  });

  it("names an unreadable file", () => {
    expect(() => loadPlanCatalog("/nonexistent/plans.json")).toThrow(/cannot read plans file/);
  });
});
