/** @module Products, prices and legacy plans (a plan is a price seen through the old `/v1/plans` shape). */
import type Stripe from "stripe";
import type { Core } from "../core.js";
import { invalidParam } from "../errors.js";
import { copy } from "../events.js";
import type { Params } from "../form.js";
import { newStripeId } from "../ids.js";
import { arr, bool, int, mergeMetadata, obj, requireStr, str, strings } from "../params.js";
import type { FakePlan, FakePrice, FakeProduct } from "../types.js";

const INTERVALS = new Set(["day", "week", "month", "year"]);

/**
 * Create a product (`POST /v1/products`).
 *
 * @example
 * createProduct(core, { name: "Pro" });
 */
export function createProduct(core: Core, params: Params): FakeProduct {
  const id = str(params, "id") ?? newStripeId("prod");
  if (core.store.get("product", id)) invalidExists("product");
  const now = core.clock.now();
  const product: FakeProduct = {
    id,
    object: "product",
    active: bool(params, "active") ?? true,
    created: now,
    default_price: null,
    description: null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: {},
    name: requireStr(params, "name"),
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: "service",
    unit_label: null,
    updated: now,
    url: null,
  };
  applyProductFields(product, params);
  core.store.put("product", product);
  core.events.emit("product.created", product);
  return product;
}

function invalidExists(kind: string): never {
  throw invalidParam(
    "id",
    `${kind[0]?.toUpperCase()}${kind.slice(1)} already exists.`,
    "resource_already_exists",
  );
}

// The documented product fields, stored as sent (create and update); `tax_code` is kept, not applied.
const applyProductFields = (product: FakeProduct, params: Params) => {
  for (const key of ["description", "url", "statement_descriptor", "unit_label", "tax_code"] as const) {
    if (params[key] !== undefined) product[key] = str(params, key) ?? null;
  }
  const images = strings(params, "images");
  if (images !== undefined) product.images = images;
  const shippable = bool(params, "shippable");
  if (shippable !== undefined) product.shippable = shippable;
  if (params.marketing_features !== undefined) {
    product.marketing_features = (arr(params, "marketing_features") ?? []).map((feature, index) => {
      if (typeof feature !== "object" || Array.isArray(feature))
        throw invalidParam(`marketing_features[${index}]`, "Invalid hash");
      return { name: str(feature, "name") ?? "" };
    });
  }
  product.metadata = mergeMetadata(product.metadata, params);
};

/**
 * Update a product (`POST /v1/products/:id`).
 *
 * @example
 * updateProduct(core, product, { metadata: { plan: "pro" } });
 */
export function updateProduct(core: Core, product: FakeProduct, params: Params): FakeProduct {
  const before = copy(product);
  product.name = str(params, "name") ?? product.name;
  product.active = bool(params, "active") ?? product.active;
  applyProductFields(product, params);
  if (params.default_price !== undefined) product.default_price = str(params, "default_price") ?? null;
  product.updated = core.clock.now();
  core.events.emit("product.updated", product, before);
  return product;
}

const productOf = (core: Core, params: Params): string => {
  const data = obj(params, "product_data");
  if (data) return createProduct(core, data).id;
  const product = params.product;
  if (typeof product === "object" && !Array.isArray(product)) return createProduct(core, product).id;
  const id = requireStr(params, "product");
  core.store.require("product", id, "product");
  return id;
};

const recurringOf = (params: Params): FakePrice["recurring"] => {
  const recurring = obj(params, "recurring");
  if (!recurring) return null;
  const interval = requireStr(recurring, "interval");
  if (!INTERVALS.has(interval))
    throw invalidParam("recurring[interval]", `Invalid recurring[interval]: ${interval}`);
  const usageType = (str(recurring, "usage_type") ?? "licensed") as "licensed" | "metered";
  return {
    interval: interval as Stripe.Price.Recurring.Interval,
    interval_count: int(recurring, "interval_count") ?? 1,
    meter: str(recurring, "meter") ?? null,
    trial_period_days: int(recurring, "trial_period_days") ?? null,
    usage_type: usageType,
  };
};

const transferLookupKey = (core: Core, lookupKey: string | null | undefined, params: Params) => {
  if (!lookupKey) return;
  const holder = core.store.all("price").find((p) => p.lookup_key === lookupKey);
  if (!holder) return;
  if (bool(params, "transfer_lookup_key") !== true) {
    throw invalidParam(
      "lookup_key",
      `A price (\`${holder.id}\`) already uses that lookup key.`,
      "lookup_key_already_used" as string,
    );
  }
  const before = copy(holder);
  holder.lookup_key = null;
  core.events.emit("price.updated", holder, before);
};

/**
 * Create a price (`POST /v1/prices`), one-off or recurring, optionally with a lookup key.
 *
 * @example
 * createPrice(core, { product: "prod_pro", unit_amount: "4900", currency: "usd", recurring: { interval: "month" }, lookup_key: "pro_monthly" });
 */
export function createPrice(core: Core, params: Params, id: string = newStripeId("price")): FakePrice {
  const currency = requireStr(params, "currency").toLowerCase();
  const product = productOf(core, params);
  const decimal = str(params, "unit_amount_decimal");
  const unitAmount = int(params, "unit_amount") ?? (decimal ? Math.round(Number(decimal)) : undefined);
  const billingScheme = (str(params, "billing_scheme") ?? "per_unit") as FakePrice["billing_scheme"];
  if (
    unitAmount === undefined &&
    billingScheme === "per_unit" &&
    str(params, "custom_unit_amount") === undefined
  ) {
    throw invalidParam("unit_amount", "Missing required param: unit_amount.", "parameter_missing");
  }
  const lookupKey = str(params, "lookup_key") ?? null;
  transferLookupKey(core, lookupKey, params);
  const recurring = recurringOf(params);
  const transform = obj(params, "transform_quantity");
  const price: FakePrice = {
    id,
    object: "price",
    active: bool(params, "active") ?? true,
    billing_scheme: billingScheme,
    created: core.clock.now(),
    currency,
    livemode: false,
    lookup_key: lookupKey,
    metadata: mergeMetadata({}, params),
    nickname: str(params, "nickname") ?? null,
    product,
    recurring,
    tax_behavior: (str(params, "tax_behavior") ?? "unspecified") as FakePrice["tax_behavior"],
    tiers_mode: null,
    transform_quantity: transform
      ? {
          divide_by: int(transform, "divide_by") ?? 1,
          round: (str(transform, "round") ?? "up") as "up" | "down",
        }
      : null,
    type: recurring ? "recurring" : "one_time",
    unit_amount: unitAmount ?? null,
    unit_amount_decimal: (decimal ??
      (unitAmount === undefined ? null : String(unitAmount))) as FakePrice["unit_amount_decimal"],
  };
  core.store.put("price", price);
  core.events.emit("price.created", price);
  return price;
}

/**
 * Update a price (`POST /v1/prices/:id`): metadata, nickname, active, lookup_key (with transfer).
 *
 * @example
 * updatePrice(core, price, { active: "false" });
 */
export function updatePrice(core: Core, price: FakePrice, params: Params): FakePrice {
  const before = copy(price);
  price.active = bool(params, "active") ?? price.active;
  price.metadata = mergeMetadata(price.metadata, params);
  if (params.nickname !== undefined) price.nickname = str(params, "nickname") ?? null;
  if (params.lookup_key !== undefined) {
    const key = str(params, "lookup_key") ?? null;
    if (key !== price.lookup_key) transferLookupKey(core, key, params);
    price.lookup_key = key;
  }
  core.events.emit("price.updated", price, before);
  return price;
}

/**
 * The legacy plan view of a recurring price (`/v1/plans` and `subscription_item.plan`).
 *
 * @example
 * planView(price).amount; // 4900
 */
export function planView(price: FakePrice): FakePlan {
  const recurring = price.recurring;
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: (recurring?.interval ?? "month") as FakePlan["interval"],
    interval_count: recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: recurring?.meter ?? null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: recurring?.trial_period_days ?? null,
    usage_type: recurring?.usage_type ?? "licensed",
  };
}

/**
 * Create a legacy plan (`POST /v1/plans`): stored as a recurring price with the same id.
 *
 * @example
 * createPlan(core, { amount: "2000", currency: "usd", interval: "month", product: { name: "Gold" } });
 */
export function createPlan(core: Core, params: Params): FakePlan {
  const id = str(params, "id") ?? newStripeId("price");
  if (core.store.get("price", id)) invalidExists("plan");
  const interval = requireStr(params, "interval");
  const recurring: Params = { interval, usage_type: str(params, "usage_type") ?? "licensed" };
  const count = str(params, "interval_count");
  if (count) recurring.interval_count = count;
  const meter = str(params, "meter");
  if (meter) recurring.meter = meter;
  const priceParams: Params = { ...params, recurring };
  const amount = str(params, "amount");
  if (amount) priceParams.unit_amount = amount;
  delete priceParams.amount;
  delete priceParams.interval;
  delete priceParams.interval_count;
  delete priceParams.id;
  const price = createPrice(core, priceParams, id);
  const plan = planView(price);
  core.events.emit("plan.created", plan);
  return plan;
}
