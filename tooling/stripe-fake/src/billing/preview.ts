/** @module Invoice previews (`POST /v1/invoices/create_preview`): what a change or the next renewal would bill. */
import type { Core } from "../core.js";
import { invalidParam, invalidState } from "../errors.js";
import { copy } from "../events.js";
import type { Params } from "../form.js";
import { newStripeId } from "../ids.js";
import { arr, bool, int, obj, str } from "../params.js";
import type { FakeInvoice, FakePrice, FakeSubscription, FakeSubscriptionItem } from "../types.js";
import { buildInvoice, type LineDraft, pendingItems } from "./invoices.js";
import { licensedLines, periodEnd, periodOf, priceOf, prorationsFor } from "./subscriptions.js";

interface ItemChange {
  oldPrice: FakePrice;
  oldQuantity: number;
  newPrice: FakePrice;
  newQuantity: number;
  itemId: string;
}

const readChanges = (core: Core, sub: FakeSubscription, details: Params): ItemChange[] =>
  (arr(details, "items") ?? []).map((raw, index) => {
    if (typeof raw !== "object" || Array.isArray(raw))
      throw invalidParam(`subscription_details[items][${index}]`, "Invalid hash");
    const id = str(raw, "id");
    const priceId = str(raw, "price");
    const price = priceId
      ? core.store.require("price", priceId, `subscription_details[items][${index}][price]`)
      : undefined;
    const existing = id ? sub.items.data.find((i) => i.id === id) : undefined;
    if (id && !existing)
      throw invalidParam(
        `subscription_details[items][${index}][id]`,
        `No such subscription item: '${id}'`,
        "resource_missing",
      );
    const oldPrice = existing ? priceOf(existing) : (price as FakePrice);
    if (!oldPrice)
      throw invalidParam(
        `subscription_details[items][${index}][price]`,
        "Missing required param: price.",
        "parameter_missing",
      );
    const deleted = bool(raw, "deleted") === true;
    return {
      itemId: existing?.id ?? newStripeId("si"),
      oldPrice,
      oldQuantity: existing ? (existing.quantity ?? 1) : 0,
      newPrice: price ?? oldPrice,
      newQuantity: deleted ? 0 : (int(raw, "quantity") ?? existing?.quantity ?? 1),
    };
  });

// The subscription as it would be after the change, for the next period's lines.
const changedSubscription = (sub: FakeSubscription, changes: ItemChange[]): FakeSubscription => {
  const next = copy(sub);
  for (const change of changes) {
    const item = next.items.data.find((i) => i.id === change.itemId);
    if (change.newQuantity === 0) {
      next.items.data = next.items.data.filter((i) => i.id !== change.itemId);
    } else if (item) {
      item.price = change.newPrice as FakeSubscriptionItem["price"];
      item.quantity = change.newQuantity;
    } else {
      next.items.data.push({
        ...(copy(sub.items.data[0]) as FakeSubscriptionItem),
        id: change.itemId,
        price: change.newPrice as FakeSubscriptionItem["price"],
        quantity: change.newQuantity,
      });
    }
  }
  return next;
};

/**
 * Preview the invoice a subscription change would produce (with `proration_behavior=always_invoice`,
 * the immediate invoice; otherwise the next renewal with the prorations in it), or the customer's
 * next invoice when nothing changes. Nothing is stored and no event is sent.
 *
 * @example
 * previewInvoice(core, { subscription: "sub_1", subscription_details: { items: [{ id: "si_1", price: "price_enterprise_monthly" }] } });
 */
export function previewInvoice(core: Core, params: Params): FakeInvoice {
  const subId = str(params, "subscription");
  const sub = subId ? core.store.require("subscription", subId, "subscription") : undefined;
  const customerId = str(params, "customer") ?? (sub?.customer as string | undefined);
  if (!customerId) throw invalidParam("customer", "Missing required param: customer.", "parameter_missing");
  const customer = core.store.require("customer", customerId, "customer");
  const now = core.clock.now();
  if (!sub) {
    const items = pendingItems(core, customer.id);
    if (items.length === 0)
      throw invalidState(`No upcoming invoices for customer: ${customer.id}`, "invoice_upcoming_none");
    return buildInvoice(
      core,
      { customer, billingReason: "manual", periodStart: now, periodEnd: now, lines: [], pendingItems: items },
      newStripeId("upcoming_in"),
    );
  }
  const details = obj(params, "subscription_details") ?? {};
  const behavior = str(details, "proration_behavior") ?? "create_prorations";
  const at = int(details, "proration_date") ?? now;
  const changes = readChanges(core, sub, details);
  const prorations: LineDraft[] =
    behavior === "none"
      ? []
      : changes.flatMap((change) =>
          prorationsFor(sub, change, at).map((p) => ({
            amount: p.amount,
            description: `${p.label} ${p.quantity} × ${p.price.nickname ?? p.price.product}`,
            quantity: p.quantity,
            period: p.period,
            price: p.price,
            proration: true,
            subscriptionItem: change.itemId,
          })),
        );
  if (behavior === "always_invoice") {
    return buildInvoice(
      core,
      {
        customer,
        subscription: sub.id,
        billingReason: "subscription_update",
        periodStart: at,
        periodEnd: at,
        lines: prorations,
      },
      newStripeId("upcoming_in"),
    );
  }
  const next = changedSubscription(sub, changes);
  const { end } = periodOf(sub);
  const first = next.items.data[0];
  const nextEnd = first ? periodEnd(priceOf(first), end) : end;
  return buildInvoice(
    core,
    {
      customer,
      subscription: sub.id,
      billingReason: "upcoming",
      periodStart: periodOf(sub).start,
      periodEnd: end,
      lines: [...licensedLines(next, end, nextEnd, false), ...prorations],
      pendingItems: pendingItems(core, customer.id, sub.id),
    },
    newStripeId("upcoming_in"),
  );
}
