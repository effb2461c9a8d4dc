/** @module The catalogue the fake starts with: the design's default plans, or a plans file. */

import { createPrice, createProduct } from "./billing/catalog.js";
import { createMeter } from "./billing/meters.js";
import type { Core } from "./core.js";
import type { Params } from "./form.js";

/** One recurring price of a plan. */
export interface PlanPriceSeed {
  interval: "month" | "year";
  /** Minor units (cents). */
  unitAmount: number;
  currency?: string;
  /** Default `${plan}_${interval}ly`, e.g. `pro_monthly`. */
  lookupKey?: string;
}

/** A plan: one product with its prices. Ids are stable: `prod_<plan>`, `price_<lookup key>`. */
export interface PlanSeed {
  id: string;
  name?: string;
  currency?: string;
  prices: PlanPriceSeed[];
}

/** A meter to create at start (`mtr_<event name>`). */
export interface MeterSeed {
  eventName: string;
  displayName?: string;
  formula: "sum" | "count" | "last";
}

/**
 * The design's default catalogue (USD): free, pro 4,900/49,000, enterprise 49,900/499,000.
 *
 * @example
 * createStripeFake({ plans: [...DEFAULT_PLANS, { id: "team", prices: [{ interval: "month", unitAmount: 900 }] }] });
 */
export const DEFAULT_PLANS: PlanSeed[] = [
  { id: "free", name: "Free", prices: [{ interval: "month", unitAmount: 0 }] },
  {
    id: "pro",
    name: "Pro",
    prices: [
      { interval: "month", unitAmount: 4900 },
      { interval: "year", unitAmount: 49000 },
    ],
  },
  {
    id: "enterprise",
    name: "Enterprise",
    prices: [
      { interval: "month", unitAmount: 49900 },
      { interval: "year", unitAmount: 499000 },
    ],
  },
];

/**
 * The design's meters: `api_calls` and `tokens` (sum), `seats` (last value).
 *
 * @example
 * createStripeFake({ meters: DEFAULT_METERS.filter((m) => m.eventName !== "seats") });
 */
export const DEFAULT_METERS: MeterSeed[] = [
  { eventName: "api_calls", displayName: "API calls", formula: "sum" },
  { eventName: "tokens", displayName: "Tokens", formula: "sum" },
  { eventName: "seats", displayName: "Seats", formula: "last" },
];

const INTERVAL_ALIASES: Record<string, "month" | "year"> = {
  month: "month",
  monthly: "month",
  year: "year",
  yearly: "year",
  annual: "year",
};

const num = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value)
    ? value
    : typeof value === "string" && /^\d+$/.test(value)
      ? Number(value)
      : undefined;

const readPrices = (raw: Record<string, unknown>): PlanPriceSeed[] => {
  const prices = raw.prices ?? raw.price;
  if (Array.isArray(prices)) {
    return prices.flatMap((p) => {
      const r = p as Record<string, unknown>;
      const interval = INTERVAL_ALIASES[String(r.interval)];
      const unitAmount = num(r.unitAmount ?? r.unit_amount ?? r.amount);
      if (!interval || unitAmount === undefined) return [];
      const seed: PlanPriceSeed = { interval, unitAmount };
      if (typeof r.currency === "string") seed.currency = r.currency;
      const lookupKey = r.lookupKey ?? r.lookup_key;
      if (typeof lookupKey === "string") seed.lookupKey = lookupKey;
      return [seed];
    });
  }
  if (prices && typeof prices === "object") {
    return Object.entries(prices as Record<string, unknown>).flatMap(([key, value]) => {
      const interval = INTERVAL_ALIASES[key];
      const unitAmount = num(value) ?? num((value as Record<string, unknown> | null)?.amount);
      return interval && unitAmount !== undefined ? [{ interval, unitAmount }] : [];
    });
  }
  return [];
};

/**
 * Read a plans file's JSON into plan seeds. Accepts `{plans: [...]}`, a bare array, or an object
 * keyed by plan id; each plan's prices as `[{interval, unitAmount|amount}]` or `{month: 4900, year: 49000}`.
 * Plans with no recurring price of their own are skipped.
 *
 * @throws Error when nothing in the file looks like a plan
 * @example
 * normalizePlans({ plans: [{ id: "pro", prices: { month: 4900 } }] });
 */
export function normalizePlans(input: unknown): PlanSeed[] {
  const root = input as Record<string, unknown>;
  const list: unknown[] = Array.isArray(input)
    ? input
    : Array.isArray(root?.plans)
      ? (root.plans as unknown[])
      : root?.plans && typeof root.plans === "object"
        ? Object.entries(root.plans as Record<string, unknown>).map(([id, p]) => ({ id, ...(p as object) }))
        : Object.entries(root ?? {}).map(([id, p]) => ({ id, ...(p as object) }));
  const plans = list.flatMap((raw) => {
    const r = raw as Record<string, unknown>;
    const id = r.id ?? r.key ?? r.slug;
    if (typeof id !== "string") return [];
    const prices = readPrices(r);
    if (prices.length === 0) return [];
    const plan: PlanSeed = { id, prices };
    if (typeof r.name === "string") plan.name = r.name;
    if (typeof r.currency === "string") plan.currency = r.currency;
    return [plan];
  });
  if (plans.length === 0) throw new Error("No plan with a recurring price found in the plans file");
  return plans;
}

/**
 * Create the products, prices and meters (quietly: no events, as if they existed before).
 *
 * @example
 * seedCatalog(core, DEFAULT_PLANS, DEFAULT_METERS);
 */
export function seedCatalog(core: Core, plans: PlanSeed[], meters: MeterSeed[]): void {
  const events = core.events;
  core.events = { emit: () => undefined };
  try {
    for (const plan of plans) {
      const product = createProduct(core, {
        id: `prod_${plan.id}`,
        name: plan.name ?? plan.id,
        metadata: { plan: plan.id },
      });
      for (const price of plan.prices) {
        const lookupKey = price.lookupKey ?? `${plan.id}_${price.interval}ly`;
        const params: Params = {
          product: product.id,
          currency: (price.currency ?? plan.currency ?? "usd").toLowerCase(),
          unit_amount: String(price.unitAmount),
          recurring: { interval: price.interval },
          lookup_key: lookupKey,
          nickname: `${plan.name ?? plan.id} ${price.interval}ly`,
          metadata: { plan: plan.id, interval: price.interval },
        };
        createPrice(core, params, `price_${lookupKey}`);
      }
    }
    for (const meter of meters) {
      createMeter(
        core,
        {
          display_name: meter.displayName ?? meter.eventName,
          event_name: meter.eventName,
          default_aggregation: { formula: meter.formula },
        },
        `mtr_${meter.eventName}`,
      );
    }
  } finally {
    core.events = events;
  }
}
