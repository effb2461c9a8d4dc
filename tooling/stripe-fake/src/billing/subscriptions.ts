/** @module Subscriptions: create, change with prorations, cancel, renew, and react to invoice outcomes. */
import type Stripe from "stripe";
import type { Core } from "../core.js";
import { invalidParam, invalidState } from "../errors.js";
import { copy } from "../events.js";
import type { Params } from "../form.js";
import { newStripeId } from "../ids.js";
import { arr, bool, int, mergeMetadata, obj, requireStr, str } from "../params.js";
import { perCore } from "../per-core.js";
import type {
  FakeInvoice,
  FakeInvoiceItem,
  FakePrice,
  FakeSubscription,
  FakeSubscriptionItem,
} from "../types.js";
import { planView } from "./catalog.js";
import { attemptPayment, createInvoice, finalizeInvoice, type LineDraft, pendingItems } from "./invoices.js";
import { defaultInstrument } from "./payment-methods.js";
import { applyPendingUpdate, paysPendingUpdate, updateIfPaid } from "./pending-updates.js";
import { addInterval, type Interval } from "./period.js";
import { amountFor, usageFor } from "./usage.js";

type ProrationBehavior = "create_prorations" | "always_invoice" | "none";

const ACTIVE_LIKE = new Set(["active", "trialing", "past_due", "unpaid", "incomplete", "paused"]);

/**
 * The subscription's current period (held on its items in this API version).
 *
 * @example
 * const { start, end } = periodOf(subscription);
 */
export function periodOf(sub: FakeSubscription): { start: number; end: number } {
  const first = sub.items.data[0];
  return {
    start: first?.current_period_start ?? sub.start_date,
    end: first?.current_period_end ?? sub.start_date,
  };
}

const setPeriod = (sub: FakeSubscription, start: number, end: number) => {
  for (const item of sub.items.data) {
    item.current_period_start = start;
    item.current_period_end = end;
  }
};

const recurringOf = (price: FakePrice) => {
  if (!price.recurring) {
    throw invalidParam(
      "items",
      `The price specified (${price.id}) is not recurring. Subscriptions need a recurring price.`,
    );
  }
  return price.recurring;
};

export const periodEnd = (price: FakePrice, start: number) => {
  const r = recurringOf(price);
  return addInterval(start, r.interval as Interval, r.interval_count);
};

/**
 * A new subscription item for `price` over the period [start, end).
 *
 * @example
 * newItem(core, "sub_1", price, 1, start, end);
 */
export const newItem = (
  core: Core,
  sub: string,
  price: FakePrice,
  quantity: number,
  start: number,
  end: number,
) => {
  const item: FakeSubscriptionItem = {
    id: newStripeId("si"),
    object: "subscription_item",
    created: core.clock.now(),
    current_period_end: end,
    current_period_start: start,
    discounts: [],
    metadata: {},
    plan: planView(price) as FakeSubscriptionItem["plan"],
    price: price as FakeSubscriptionItem["price"],
    quantity,
    subscription: sub,
    tax_rates: [],
  };
  core.store.put("subscription_item", item);
  return item;
};

const isMetered = (price: FakePrice) => price.recurring?.usage_type === "metered";
/** The full price of an item (the SDK types it as Price; the fake stores its own price objects). */
export const priceOf = (item: FakeSubscriptionItem) => item.price as unknown as FakePrice;

export const licensedLines = (
  sub: FakeSubscription,
  start: number,
  end: number,
  trial: boolean,
): LineDraft[] =>
  sub.items.data
    .filter((item) => !isMetered(priceOf(item)))
    .map((item) => {
      const price = priceOf(item);
      const quantity = item.quantity ?? 1;
      return {
        amount: trial ? 0 : amountFor(price, quantity),
        description: `${trial ? "Trial period for " : ""}${quantity} × ${price.nickname ?? price.product} (at $${((price.unit_amount ?? 0) / 100).toFixed(2)} / ${price.recurring?.interval})`,
        quantity,
        period: { start, end },
        price,
        subscriptionItem: item.id,
      };
    });

export const meteredLines = (core: Core, sub: FakeSubscription, start: number, end: number): LineDraft[] =>
  sub.items.data
    .filter((item) => isMetered(priceOf(item)) && priceOf(item).recurring?.meter)
    .map((item) => {
      const price = priceOf(item);
      const used = usageFor(core, price.recurring?.meter as string, sub.customer as string, start, end);
      return {
        amount: amountFor(price, used),
        description: `${used} × ${price.nickname ?? price.product} (usage)`,
        quantity: used,
        period: { start, end },
        price,
        subscriptionItem: item.id,
      };
    });

/** Create, finalize and (automatically) collect a subscription invoice. */
const invoiceSubscription = (
  core: Core,
  sub: FakeSubscription,
  reason: Stripe.Invoice.BillingReason,
  lines: LineDraft[],
  period: { start: number; end: number },
  collect: boolean,
): FakeInvoice => {
  const customer = core.store.require("customer", sub.customer as string, "customer");
  const invoice = createInvoice(core, {
    customer,
    subscription: sub.id,
    billingReason: reason,
    periodStart: period.start,
    periodEnd: period.end,
    lines,
    pendingItems: pendingItems(core, customer.id, sub.id),
    collectionMethod: sub.collection_method,
    daysUntilDue: sub.days_until_due,
  });
  sub.latest_invoice = invoice.id;
  finalizeInvoice(core, invoice);
  if (collect && invoice.status === "open" && sub.collection_method === "charge_automatically") {
    attemptPayment(core, invoice, { automatic: true });
  }
  return invoice;
};

const itemsParam = (core: Core, params: Params) => {
  const items = arr(params, "items");
  if (!items || items.length === 0)
    throw invalidParam("items", "Missing required param: items.", "parameter_missing");
  return items.map((raw, index) => {
    if (typeof raw !== "object" || Array.isArray(raw)) throw invalidParam(`items[${index}]`, "Invalid hash");
    const priceId = str(raw, "price") ?? str(raw, "plan");
    if (!priceId)
      throw invalidParam(
        `items[${index}][price]`,
        "Missing required param: items[0][price].",
        "parameter_missing",
      );
    const price = core.store.require("price", priceId, `items[${index}][price]`);
    recurringOf(price);
    return { price, quantity: int(raw, "quantity") ?? 1 };
  });
};

const trialEndOf = (core: Core, params: Params, price: FakePrice): number | null => {
  const now = core.clock.now();
  const trialEnd = params.trial_end;
  if (trialEnd === "now") return null;
  if (typeof trialEnd === "string" && trialEnd !== "") {
    const at = Number(trialEnd);
    if (!Number.isInteger(at) || at <= now)
      throw invalidParam("trial_end", "Invalid timestamp: must be in the future.");
    return at;
  }
  const days =
    int(params, "trial_period_days") ??
    (bool(params, "trial_from_plan") ? (price.recurring?.trial_period_days ?? undefined) : undefined);
  return days ? now + days * 86_400 : null;
};

/** Send `trial_will_end` now when the trial ends within the notice window (Stripe does so too). */
const maybeTrialWillEnd = (core: Core, sub: FakeSubscription, notified: Set<string>) => {
  if (sub.status !== "trialing" || !sub.trial_end || notified.has(sub.id)) return;
  if (sub.trial_end - core.clock.now() <= core.settings.trialWillEndDays * 86_400) {
    notified.add(sub.id);
    core.events.emit("customer.subscription.trial_will_end", sub);
  }
};

/** Subscriptions already told their trial is ending. */
const notifiedSet = perCore(() => new Set<string>());

/** Options for creating a subscription from code (checkout, schedules) rather than the API. */
export interface SubscriptionSeed {
  customer: string;
  items: Array<{ price: FakePrice; quantity: number }>;
  trialEnd: number | null;
  metadata: Record<string, string>;
  defaultPaymentMethod: string | null;
  paymentBehavior: "allow_incomplete" | "default_incomplete" | "error_if_incomplete";
  collectionMethod: Stripe.Subscription.CollectionMethod;
  daysUntilDue: number | null;
  cancelAtPeriodEnd: boolean;
  description: string | null;
  schedule?: string | null;
  /** The customer pays on a page (Checkout) and can authenticate a 3D Secure card. */
  customerPresent?: boolean;
  /** What happens when the trial ends and the customer has no payment method (default `create_invoice`). */
  missingPaymentMethod?: MissingPaymentMethod;
}

/** `trial_settings[end_behavior][missing_payment_method]`. */
export type MissingPaymentMethod = Stripe.Subscription.TrialSettings.EndBehavior.MissingPaymentMethod;

/**
 * `trial_settings[end_behavior][missing_payment_method]` of create parameters (also Checkout's
 * `subscription_data`), or undefined when absent.
 *
 * @example
 * missingPaymentMethodOf({ trial_settings: { end_behavior: { missing_payment_method: "pause" } } }); // "pause"
 */
export function missingPaymentMethodOf(params: Params): MissingPaymentMethod | undefined {
  const endBehavior = obj(obj(params, "trial_settings") ?? {}, "end_behavior");
  const value = endBehavior && str(endBehavior, "missing_payment_method");
  if (!value) return undefined;
  if (!["cancel", "create_invoice", "pause"].includes(value)) {
    throw invalidParam(
      "trial_settings[end_behavior][missing_payment_method]",
      `Invalid missing_payment_method: must be one of cancel, create_invoice, or pause`,
    );
  }
  return value as MissingPaymentMethod;
}

/**
 * Start a subscription: first invoice (zero for a trial), payment, `customer.subscription.created`.
 *
 * @throws StripeFakeError 402 with `payment_behavior=error_if_incomplete` when the charge fails
 * @example
 * startSubscription(core, { customer: "cus_1", items: [{ price, quantity: 1 }], trialEnd: null, ... });
 */
export function startSubscription(core: Core, seed: SubscriptionSeed): FakeSubscription {
  const now = core.clock.now();
  const first = seed.items[0]?.price as FakePrice;
  const interval = recurringOf(first).interval;
  for (const { price } of seed.items) {
    if (recurringOf(price).interval !== interval) {
      throw invalidParam("items", "All prices on a subscription must have the same `recurring.interval`.");
    }
  }
  const end = seed.trialEnd ?? periodEnd(first, now);
  const id = newStripeId("sub");
  const sub: FakeSubscription = {
    id,
    object: "subscription",
    billing_cycle_anchor: seed.trialEnd ?? now,
    cancel_at: null,
    cancel_at_period_end: seed.cancelAtPeriodEnd,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: seed.collectionMethod,
    created: now,
    currency: first.currency,
    customer: seed.customer,
    days_until_due: seed.daysUntilDue,
    default_payment_method: seed.defaultPaymentMethod,
    description: seed.description,
    ended_at: null,
    items: { object: "list", data: [], has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    metadata: seed.metadata,
    pause_collection: null,
    pending_update: null,
    schedule: seed.schedule ?? null,
    start_date: now,
    status: seed.trialEnd ? "trialing" : "incomplete",
    test_clock: null,
    trial_end: seed.trialEnd,
    trial_settings: {
      end_behavior: {
        billing_cycle_anchor: null,
        missing_payment_method: seed.missingPaymentMethod ?? "create_invoice",
      },
    },
    trial_start: seed.trialEnd ? now : null,
  };
  sub.items.data = seed.items.map(({ price, quantity }) => newItem(core, id, price, quantity, now, end));
  core.store.put("subscription", sub);
  core.events.emit("customer.subscription.created", sub);
  const trial = seed.trialEnd !== null;
  const collect = trial || seed.paymentBehavior !== "default_incomplete";
  const invoice = invoiceSubscription(
    core,
    sub,
    "subscription_create",
    licensedLines(sub, now, end, trial),
    { start: now, end: now },
    false,
  );
  if (collect && invoice.status === "open" && sub.collection_method === "charge_automatically") {
    const failure = attemptPayment(core, invoice, { customerPresent: seed.customerPresent ?? false });
    if (failure && seed.paymentBehavior === "error_if_incomplete") throw failure;
  }
  if (sub.collection_method === "send_invoice" && sub.status === "incomplete") activate(core, sub);
  maybeTrialWillEnd(core, sub, notifiedSet(core));
  return sub;
}

const activate = (core: Core, sub: FakeSubscription) => {
  const before = copy(sub);
  sub.status = "active";
  core.events.emit("customer.subscription.updated", sub, before);
};

/**
 * Create a subscription from API parameters (`POST /v1/subscriptions`).
 *
 * @example
 * createSubscription(core, { customer: "cus_1", items: [{ price: "price_1" }] });
 */
export function createSubscription(core: Core, params: Params): FakeSubscription {
  const customer = core.store.require("customer", requireStr(params, "customer"), "customer");
  const items = itemsParam(core, params);
  const behavior = (str(params, "payment_behavior") ??
    "allow_incomplete") as SubscriptionSeed["paymentBehavior"];
  return startSubscription(core, {
    customer: customer.id,
    items,
    trialEnd: trialEndOf(core, params, (items[0] as { price: FakePrice }).price),
    metadata: mergeMetadata({}, params),
    defaultPaymentMethod: str(params, "default_payment_method") ?? null,
    paymentBehavior:
      behavior === "default_incomplete" || behavior === "error_if_incomplete" ? behavior : "allow_incomplete",
    collectionMethod: (str(params, "collection_method") ??
      "charge_automatically") as Stripe.Subscription.CollectionMethod,
    daysUntilDue: int(params, "days_until_due") ?? null,
    cancelAtPeriodEnd: bool(params, "cancel_at_period_end") ?? false,
    description: str(params, "description") ?? null,
    missingPaymentMethod: missingPaymentMethodOf(params) ?? "create_invoice",
  });
}

/** One proration: the credit for unused time on the old price or the charge for the rest on the new one. */
export interface Proration {
  amount: number;
  price: FakePrice;
  quantity: number;
  label: "Unused time on" | "Remaining time on";
  period: { start: number; end: number };
}

// Stripe prorates by the second: the unused share of the old price is credited and the remaining
// share of the new one is charged.
export const prorationsFor = (
  sub: FakeSubscription,
  change: { oldPrice: FakePrice; oldQuantity: number; newPrice: FakePrice; newQuantity: number },
  at: number,
): Proration[] => {
  const { start, end } = periodOf(sub);
  const total = end - start;
  if (total <= 0 || at >= end) return [];
  const share = (end - at) / total;
  const period = { start: at, end };
  const out: Proration[] = [
    {
      amount: -Math.round(amountFor(change.oldPrice, change.oldQuantity) * share),
      price: change.oldPrice,
      quantity: change.oldQuantity,
      label: "Unused time on",
      period,
    },
    {
      amount: Math.round(amountFor(change.newPrice, change.newQuantity) * share),
      price: change.newPrice,
      quantity: change.newQuantity,
      label: "Remaining time on",
      period,
    },
  ];
  return out.filter((p) => p.amount !== 0);
};

/** Record prorations as pending invoice items on the subscription. */
const prorate = (
  core: Core,
  sub: FakeSubscription,
  item: FakeSubscriptionItem,
  oldPrice: FakePrice,
  oldQuantity: number,
  at: number,
): FakeInvoiceItem[] =>
  prorationsFor(
    sub,
    { oldPrice, oldQuantity, newPrice: priceOf(item), newQuantity: item.quantity ?? 1 },
    at,
  ).map((p) => {
    const ii: FakeInvoiceItem = {
      id: newStripeId("ii"),
      object: "invoiceitem",
      amount: p.amount,
      currency: p.price.currency,
      customer: sub.customer as string,
      date: at,
      description: `${p.label} ${p.quantity} × ${p.price.nickname ?? p.price.product}`,
      discountable: false,
      invoice: null,
      livemode: false,
      metadata: {},
      parent: {
        subscription_details: { subscription: sub.id, subscription_item: item.id },
        type: "subscription_details",
      },
      period: p.period,
      pricing: {
        price_details: { price: p.price.id, product: p.price.product as string },
        type: "price_details",
        unit_amount_decimal: p.price.unit_amount_decimal,
      },
      proration: true,
      quantity: p.quantity,
    };
    core.store.put("invoiceitem", ii);
    core.events.emit("invoiceitem.created", ii);
    return ii;
  });

const applyItemChanges = (core: Core, sub: FakeSubscription, params: Params) => {
  const changes: Array<{ item: FakeSubscriptionItem; oldPrice: FakePrice; oldQuantity: number }> = [];
  const items = arr(params, "items");
  if (!items) return changes;
  const { start, end } = periodOf(sub);
  for (const [index, raw] of items.entries()) {
    if (typeof raw !== "object" || Array.isArray(raw)) throw invalidParam(`items[${index}]`, "Invalid hash");
    const id = str(raw, "id");
    const priceId = str(raw, "price") ?? str(raw, "plan");
    const price = priceId ? core.store.require("price", priceId, `items[${index}][price]`) : undefined;
    if (price) recurringOf(price);
    if (!id) {
      if (!price)
        throw invalidParam(`items[${index}][price]`, "Missing required param: price.", "parameter_missing");
      const item = newItem(core, sub.id, price, int(raw, "quantity") ?? 1, start, end);
      sub.items.data.push(item);
      changes.push({
        item,
        oldPrice: { ...price, unit_amount: 0, unit_amount_decimal: null },
        oldQuantity: 0,
      });
      continue;
    }
    const item = sub.items.data.find((i) => i.id === id);
    if (!item)
      throw invalidParam(`items[${index}][id]`, `No such subscription item: '${id}'`, "resource_missing");
    const oldPrice = priceOf(item);
    const oldQuantity = item.quantity ?? 1;
    if (bool(raw, "deleted")) {
      sub.items.data = sub.items.data.filter((i) => i.id !== id);
      core.store.remove("subscription_item", id);
      const zero = { ...oldPrice, unit_amount: 0, unit_amount_decimal: null };
      changes.push({
        item: { ...item, price: zero as FakeSubscriptionItem["price"], quantity: 0 },
        oldPrice,
        oldQuantity,
      });
      continue;
    }
    if (price) {
      item.price = price as FakeSubscriptionItem["price"];
      item.plan = planView(price) as FakeSubscriptionItem["plan"];
    }
    const quantity = int(raw, "quantity");
    if (quantity !== undefined) item.quantity = quantity;
    item.metadata = mergeMetadata(item.metadata, raw);
    if (priceOf(item).id !== oldPrice.id || item.quantity !== oldQuantity)
      changes.push({ item, oldPrice, oldQuantity });
  }
  if (sub.items.data.length === 0) throw invalidParam("items", "A subscription must have at least one item.");
  return changes;
};

/**
 * Update a subscription (`POST /v1/subscriptions/:id`): items with `proration_behavior`,
 * `cancel_at_period_end`, `trial_end=now`, `billing_cycle_anchor=now`, default payment method, metadata;
 * with `payment_behavior=pending_if_incomplete` a change whose invoice is not paid waits in `pending_update`.
 *
 * @example
 * updateSubscription(core, sub, { items: [{ id: "si_1", price: "price_pro_yearly" }], proration_behavior: "always_invoice" });
 */
export function updateSubscription(core: Core, sub: FakeSubscription, params: Params): FakeSubscription {
  const paymentBehavior = str(params, "payment_behavior") ?? "allow_incomplete";
  if (!UPDATE_PAYMENT_BEHAVIORS.has(paymentBehavior)) {
    throw invalidParam("payment_behavior", `Invalid payment_behavior: ${paymentBehavior}`);
  }
  if (paymentBehavior === "pending_if_incomplete") {
    return updateIfPaid(core, sub, () => applyUpdate(core, sub, params));
  }
  return applyUpdate(core, sub, params);
}

const UPDATE_PAYMENT_BEHAVIORS = new Set([
  "allow_incomplete",
  "default_incomplete",
  "error_if_incomplete",
  "pending_if_incomplete",
]);

function applyUpdate(core: Core, sub: FakeSubscription, params: Params): FakeSubscription {
  if (sub.status === "canceled" || sub.status === "incomplete_expired") {
    throw invalidState(
      `A canceled subscription can only update its cancellation_details and metadata.`,
      "resource_invalid_state",
    );
  }
  const before = copy(sub);
  const now = core.clock.now();
  const behavior = (str(params, "proration_behavior") ?? "create_prorations") as ProrationBehavior;
  if (!["create_prorations", "always_invoice", "none"].includes(behavior)) {
    throw invalidParam("proration_behavior", `Invalid proration_behavior: ${behavior}`);
  }
  sub.metadata = mergeMetadata(sub.metadata, params);
  if (params.description !== undefined) sub.description = str(params, "description") ?? null;
  if (params.default_payment_method !== undefined)
    sub.default_payment_method = str(params, "default_payment_method") ?? null;
  const cancelAtPeriodEnd = bool(params, "cancel_at_period_end");
  if (cancelAtPeriodEnd !== undefined) {
    sub.cancel_at_period_end = cancelAtPeriodEnd;
    sub.cancel_at = cancelAtPeriodEnd ? periodOf(sub).end : null;
    sub.canceled_at = cancelAtPeriodEnd ? now : null;
    sub.cancellation_details = {
      comment: null,
      feedback: null,
      feedback_option: null,
      reason: cancelAtPeriodEnd ? "cancellation_requested" : null,
    };
  }
  if (params.cancel_at !== undefined) {
    const at = int(params, "cancel_at") ?? null;
    sub.cancel_at = at;
    sub.canceled_at = at ? now : null;
  }
  const oldInterval = priceOf(sub.items.data[0] as FakeSubscriptionItem).recurring?.interval;
  const changes = applyItemChanges(core, sub, params);
  const newInterval = priceOf(sub.items.data[0] as FakeSubscriptionItem).recurring?.interval;
  const endTrialNow = params.trial_end === "now" && sub.status === "trialing";
  const resetAnchor =
    str(params, "billing_cycle_anchor") === "now" || oldInterval !== newInterval || endTrialNow;
  const pending: FakeInvoiceItem[] = [];
  if (sub.status !== "trialing" || endTrialNow) {
    if (behavior !== "none") {
      for (const change of changes)
        pending.push(...prorate(core, sub, change.item, change.oldPrice, change.oldQuantity, now));
    }
  }
  if (endTrialNow) {
    sub.trial_end = now;
    sub.status = "active";
  }
  core.store.put("subscription", sub);
  if (resetAnchor) {
    // A new billing period starts now and is invoiced at once, with the prorations.
    const first = sub.items.data[0] as FakeSubscriptionItem;
    const end = periodEnd(priceOf(first), now);
    setPeriod(sub, now, end);
    sub.billing_cycle_anchor = now;
    if (sub.cancel_at_period_end) sub.cancel_at = end;
    core.events.emit("customer.subscription.updated", sub, before);
    invoiceSubscription(
      core,
      sub,
      "subscription_update",
      licensedLines(sub, now, end, false),
      { start: now, end: now },
      true,
    );
    return sub;
  }
  core.events.emit("customer.subscription.updated", sub, before);
  if (behavior === "always_invoice" && pending.length > 0) {
    invoiceSubscription(core, sub, "subscription_update", [], { start: now, end: now }, true);
  }
  return sub;
}

/**
 * Cancel now (`DELETE /v1/subscriptions/:id`), emitting `customer.subscription.deleted`.
 *
 * @example
 * cancelSubscription(core, sub, "cancellation_requested");
 */
export function cancelSubscription(
  core: Core,
  sub: FakeSubscription,
  reason: "cancellation_requested" | "payment_failed" = "cancellation_requested",
  options: { invoiceNow?: boolean; prorate?: boolean } = {},
): FakeSubscription {
  if (sub.status === "canceled" || sub.status === "incomplete_expired") {
    throw invalidState(`This subscription has already been canceled.`, "resource_invalid_state");
  }
  const now = core.clock.now();
  if (options.prorate) {
    for (const item of sub.items.data) {
      const zero = { ...priceOf(item), unit_amount: 0, unit_amount_decimal: null };
      prorate(
        core,
        sub,
        { ...item, price: zero as FakeSubscriptionItem["price"] },
        priceOf(item),
        item.quantity ?? 1,
        now,
      );
    }
  }
  const before = copy(sub);
  sub.status = "canceled";
  sub.canceled_at = sub.canceled_at ?? now;
  sub.ended_at = now;
  sub.cancel_at = sub.cancel_at ?? null;
  sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason };
  if (options.invoiceNow && pendingItems(core, sub.customer as string, sub.id).length > 0) {
    invoiceSubscription(core, sub, "subscription_update", [], { start: now, end: now }, true);
  }
  for (const invoice of core.store.all("invoice")) {
    if (invoice.parent?.subscription_details?.subscription === sub.id && invoice.status === "open") {
      invoice.next_payment_attempt = null;
    }
  }
  core.store.put("subscription", sub);
  core.events.emit("customer.subscription.deleted", sub, before);
  return sub;
}

/**
 * What the clock does when a subscription's period (or trial) ends: cancel if asked, else start the
 * next period and invoice it (usage of the period that ended included).
 *
 * @example
 * renewSubscription(core, sub);
 */
export function renewSubscription(core: Core, sub: FakeSubscription): void {
  const { start, end } = periodOf(sub);
  if (sub.cancel_at_period_end || (sub.cancel_at !== null && sub.cancel_at <= end)) {
    cancelSubscription(core, sub, "cancellation_requested");
    return;
  }
  const wasTrial = sub.status === "trialing";
  if (wasTrial && !hasPaymentMethod(core, sub)) {
    const behavior = sub.trial_settings?.end_behavior.missing_payment_method;
    if (behavior === "pause") {
      pauseSubscription(core, sub);
      return;
    }
    if (behavior === "cancel") {
      cancelSubscription(core, sub, "cancellation_requested");
      return;
    }
  }
  const before = copy(sub);
  const first = sub.items.data[0] as FakeSubscriptionItem;
  const nextEnd = periodEnd(priceOf(first), end);
  const usage = wasTrial ? [] : meteredLines(core, sub, start, end);
  setPeriod(sub, end, nextEnd);
  if (wasTrial) sub.status = "active";
  core.events.emit("customer.subscription.updated", sub, before);
  const collect = sub.status !== "unpaid";
  invoiceSubscription(
    core,
    sub,
    "subscription_cycle",
    [...licensedLines(sub, end, nextEnd, false), ...usage],
    { start, end },
    collect,
  );
}

const hasPaymentMethod = (core: Core, sub: FakeSubscription) => {
  const customer = core.store.require("customer", sub.customer as string, "customer");
  const explicit = typeof sub.default_payment_method === "string" ? sub.default_payment_method : null;
  return defaultInstrument(customer, explicit) !== null;
};

// A trial that ends without a payment method under `missing_payment_method=pause`: Stripe creates no
// invoice and the subscription waits, `paused`, until it is resumed.
const pauseSubscription = (core: Core, sub: FakeSubscription) => {
  const before = copy(sub);
  sub.status = "paused";
  core.events.emit("customer.subscription.updated", sub, before);
  core.events.emit("customer.subscription.paused", sub, before);
};

const unpause = (core: Core, sub: FakeSubscription, status: "active" | "past_due") => {
  const before = copy(sub);
  sub.status = status;
  core.events.emit("customer.subscription.updated", sub, before);
  core.events.emit("customer.subscription.resumed", sub, before);
};

/**
 * Resume a `paused` subscription (`POST /v1/subscriptions/:id/resume`). With
 * `billing_cycle_anchor[type]=now` (the default) a new period starts and its invoice is charged at
 * once; `payment_behavior=resume_on_payment_attempt` (the default) resumes it whatever the outcome
 * (`active`, or `past_due` when the charge failed), `resume_on_payment_success` keeps it `paused`
 * until that invoice is paid. With `unchanged` it is `active` again at once, without an invoice.
 * Resuming sends `customer.subscription.resumed`.
 *
 * @throws StripeFakeError 400 when the subscription is not paused
 * @example
 * resumeSubscription(core, sub, { billing_cycle_anchor: { type: "now" } });
 */
export function resumeSubscription(core: Core, sub: FakeSubscription, params: Params): FakeSubscription {
  if (sub.status !== "paused") {
    throw invalidState(
      "Subscription cannot be resumed because its status is not paused.",
      "resource_invalid_state",
    );
  }
  // Older API versions send the anchor as a string, newer ones as `{type}`.
  const anchorParam = obj(params, "billing_cycle_anchor");
  const anchor = (anchorParam ? str(anchorParam, "type") : str(params, "billing_cycle_anchor")) ?? "now";
  if (anchor !== "now" && anchor !== "unchanged") {
    throw invalidParam(
      "billing_cycle_anchor",
      "Invalid billing_cycle_anchor: must be one of now or unchanged",
    );
  }
  const behavior = str(params, "payment_behavior") ?? "resume_on_payment_attempt";
  if (behavior !== "resume_on_payment_attempt" && behavior !== "resume_on_payment_success") {
    throw invalidParam(
      "payment_behavior",
      "Invalid payment_behavior: must be one of resume_on_payment_attempt or resume_on_payment_success",
    );
  }
  if (anchor === "unchanged") {
    unpause(core, sub, "active");
    return sub;
  }
  const now = core.clock.now();
  const end = periodEnd(priceOf(sub.items.data[0] as FakeSubscriptionItem), now);
  setPeriod(sub, now, end);
  sub.billing_cycle_anchor = now;
  const invoice = invoiceSubscription(
    core,
    sub,
    "subscription_update",
    licensedLines(sub, now, end, false),
    { start: now, end: now },
    true,
  );
  // A paid invoice already resumed it through the invoicePaid hook.
  if (sub.status === "paused" && behavior === "resume_on_payment_attempt") {
    unpause(core, sub, invoice.status === "paid" ? "active" : "past_due");
  }
  return sub;
}

/**
 * The clock's attempt at an invoice whose retry is due.
 *
 * @example
 * retryInvoice(core, invoice);
 */
export function retryInvoice(core: Core, invoice: FakeInvoice): void {
  invoice.next_payment_attempt = null;
  attemptPayment(core, invoice, { automatic: true });
}

/**
 * Wire invoice outcomes to subscription status (paid -> active, failed -> past_due -> final action).
 *
 * @example
 * installSubscriptionHooks(core); // once, when the fake is built
 */
export function installSubscriptionHooks(core: Core): void {
  const subscriptionOf = (invoice: FakeInvoice) => {
    const id = invoice.parent?.subscription_details?.subscription;
    return typeof id === "string" ? core.store.get("subscription", id) : undefined;
  };
  core.hooks = {
    invoicePaid(invoice) {
      applyPendingUpdate(core, invoice);
      const sub = subscriptionOf(invoice);
      if (sub?.status === "paused" && sub.latest_invoice === invoice.id) {
        unpause(core, sub, "active");
        return;
      }
      if (!sub || !["incomplete", "past_due", "unpaid"].includes(sub.status)) return;
      if (sub.latest_invoice !== invoice.id) return;
      activate(core, sub);
    },
    invoicePaymentFailed(invoice, automatic) {
      // A pending update's invoice failing again leaves the subscription as it is (Stripe's rule).
      if (paysPendingUpdate(core, invoice)) return;
      const sub = subscriptionOf(invoice);
      if (!sub || !ACTIVE_LIKE.has(sub.status) || sub.status === "incomplete") return;
      if (sub.status === "active" || sub.status === "trialing") {
        const before = copy(sub);
        sub.status = "past_due";
        core.events.emit("customer.subscription.updated", sub, before);
      }
      if (!automatic || invoice.next_payment_attempt !== null || sub.status !== "past_due") return;
      // Every retry failed: the account's setting decides (Stripe's "manage failed payments").
      const action = core.settings.afterFinalFailure;
      if (action === "cancel") cancelSubscription(core, sub, "payment_failed");
      else if (action === "unpaid") {
        const before = copy(sub);
        sub.status = "unpaid";
        core.events.emit("customer.subscription.updated", sub, before);
      }
    },
  };
}

/**
 * Mark an `incomplete` subscription whose first invoice went unpaid too long as `incomplete_expired`.
 *
 * @example
 * expireIncomplete(core, sub);
 */
export function expireIncomplete(core: Core, sub: FakeSubscription): void {
  const before = copy(sub);
  sub.status = "incomplete_expired";
  sub.ended_at = core.clock.now();
  const invoice =
    typeof sub.latest_invoice === "string" ? core.store.get("invoice", sub.latest_invoice) : undefined;
  if (invoice?.status === "open") {
    invoice.status = "void";
    invoice.status_transitions.voided_at = core.clock.now();
    core.events.emit("invoice.voided", invoice);
  }
  core.events.emit("customer.subscription.deleted", sub, before);
}

/**
 * Send `trial_will_end` for trials entering the notice window (used by the clock).
 *
 * @example
 * notifyTrialEnding(core, subscription);
 */
export function notifyTrialEnding(core: Core, sub: FakeSubscription): void {
  maybeTrialWillEnd(core, sub, notifiedSet(core));
}

/**
 * Whether `trial_will_end` was already sent for a subscription.
 *
 * @example
 * if (!trialEndingNotified(core, subscription)) schedule();
 */
export function trialEndingNotified(core: Core, sub: FakeSubscription): boolean {
  return notifiedSet(core).has(sub.id);
}
