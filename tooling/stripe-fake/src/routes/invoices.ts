/** @module `/v1/invoices` and `/v1/invoiceitems`. */
import {
  attemptPayment,
  createInvoice,
  finalizeInvoice,
  markUncollectible,
  pendingItems,
  voidInvoice,
} from "../billing/invoices.js";
import { discardPendingUpdate, pendingUpdateOf } from "../billing/pending-updates.js";
import { previewInvoice } from "../billing/preview.js";
import type { Core } from "../core.js";
import { invalidParam, invalidState } from "../errors.js";
import { copy } from "../events.js";
import { newStripeId } from "../ids.js";
import { filterCreated, paginate } from "../list.js";
import { bool, int, mergeMetadata, obj, requireStr, str } from "../params.js";
import { search } from "../search.js";
import type { FakeInvoiceItem } from "../types.js";
import { type FakeApp, handle } from "./handle.js";

/**
 * Mount the invoice and invoice item routes.
 *
 * @example
 * registerInvoices(app, core);
 */
export function registerInvoices(app: FakeApp, core: Core): void {
  const invoice = (id: string) => core.store.require("invoice", id);

  app.post(
    "/v1/invoices",
    handle(core, ({ params }) => {
      const customer = core.store.require("customer", requireStr(params, "customer"), "customer");
      const now = core.clock.now();
      const include = (str(params, "pending_invoice_items_behavior") ?? "exclude") === "include";
      const subscription = str(params, "subscription") ?? null;
      const created = createInvoice(core, {
        customer,
        subscription,
        billingReason: subscription ? "subscription" : "manual",
        periodStart: now,
        periodEnd: now,
        lines: [],
        pendingItems: include ? pendingItems(core, customer.id, subscription ?? undefined) : [],
        description: str(params, "description") ?? null,
        metadata: mergeMetadata({}, params),
        collectionMethod: (str(params, "collection_method") ??
          "charge_automatically") as "charge_automatically",
        autoAdvance: bool(params, "auto_advance") ?? false,
        daysUntilDue: int(params, "days_until_due") ?? null,
      });
      const pm = str(params, "default_payment_method");
      if (pm) created.default_payment_method = pm;
      return created;
    }),
  );
  app.post(
    "/v1/invoices/create_preview",
    handle(core, ({ params }) => previewInvoice(core, params)),
  );
  app.get(
    "/v1/invoices/search",
    handle(core, ({ params }) => search(core.store.all("invoice"), params, "/v1/invoices/search")),
  );
  app.get(
    "/v1/invoices",
    handle(core, ({ params }) => {
      const customer = str(params, "customer");
      const subscription = str(params, "subscription");
      const status = str(params, "status");
      const items = core.store
        .all("invoice")
        .filter((i) => !customer || i.customer === customer)
        .filter((i) => !subscription || i.parent?.subscription_details?.subscription === subscription)
        .filter((i) => !status || i.status === status);
      return paginate(filterCreated(items, params), params, "/v1/invoices");
    }),
  );
  app.get(
    "/v1/invoices/:id",
    handle(core, ({ path }) => invoice(path.id as string)),
  );
  app.get(
    "/v1/invoices/:id/lines",
    handle(core, ({ params, path }) =>
      paginate([...invoice(path.id as string).lines.data], params, `/v1/invoices/${path.id}/lines`),
    ),
  );
  app.post(
    "/v1/invoices/:id",
    handle(core, ({ params, path }) => {
      const inv = invoice(path.id as string);
      const before = copy(inv);
      inv.metadata = mergeMetadata(inv.metadata ?? {}, params);
      if (params.description !== undefined) {
        if (inv.status !== "draft")
          throw invalidState(
            "You can only update the description of a draft invoice.",
            "invoice_not_editable",
          );
        inv.description = str(params, "description") ?? null;
      }
      const autoAdvance = bool(params, "auto_advance");
      if (autoAdvance !== undefined) inv.auto_advance = autoAdvance;
      core.events.emit("invoice.updated", inv, before);
      return inv;
    }),
  );
  app.delete(
    "/v1/invoices/:id",
    handle(core, ({ path }) => {
      const inv = invoice(path.id as string);
      if (inv.status !== "draft")
        throw invalidState("You can only delete draft invoices.", "invoice_not_editable");
      core.store.remove("invoice", inv.id);
      core.events.emit("invoice.deleted", inv);
      return { id: inv.id, object: "invoice", deleted: true };
    }),
  );
  app.post(
    "/v1/invoices/:id/finalize",
    handle(core, ({ path }) => finalizeInvoice(core, invoice(path.id as string))),
  );
  app.post(
    "/v1/invoices/:id/pay",
    handle(core, ({ params, path }) => {
      const inv = invoice(path.id as string);
      if (inv.status === "paid")
        throw invalidState("Invoice is already paid", "invoice_already_paid" as string);
      if (bool(params, "paid_out_of_band")) {
        if (inv.status === "draft") finalizeInvoice(core, inv);
        inv.status = "paid";
        inv.amount_remaining = 0;
        inv.status_transitions.paid_at = core.clock.now();
        core.events.emit("invoice.paid", inv);
        core.hooks.invoicePaid(inv);
        return inv;
      }
      const instrument = str(params, "payment_method") ?? str(params, "source") ?? null;
      const failure = attemptPayment(core, inv, { instrument });
      if (failure) throw failure;
      return inv;
    }),
  );
  app.post(
    "/v1/invoices/:id/void",
    handle(core, ({ path }) => {
      const voided = voidInvoice(core, invoice(path.id as string));
      // Voiding the invoice of a pending update discards the update.
      const waiting = pendingUpdateOf(core, voided);
      if (waiting) discardPendingUpdate(core, waiting);
      return voided;
    }),
  );
  app.post(
    "/v1/invoices/:id/mark_uncollectible",
    handle(core, ({ path }) => markUncollectible(core, invoice(path.id as string))),
  );
  app.post(
    "/v1/invoices/:id/send",
    handle(core, ({ path }) => {
      const inv = invoice(path.id as string);
      core.events.emit("invoice.sent", inv);
      return inv;
    }),
  );

  app.post(
    "/v1/invoiceitems",
    handle(core, ({ params }) => {
      const customer = core.store.require("customer", requireStr(params, "customer"), "customer");
      const priceId =
        str(params, "price") ?? (obj(params, "pricing") ? str(obj(params, "pricing") ?? {}, "price") : null);
      const price = priceId ? core.store.require("price", priceId, "price") : undefined;
      const quantity = int(params, "quantity") ?? 1;
      const amount = int(params, "amount") ?? (price ? (price.unit_amount ?? 0) * quantity : undefined);
      if (amount === undefined)
        throw invalidParam("amount", "Missing required param: amount.", "parameter_missing");
      const now = core.clock.now();
      const subscription = str(params, "subscription") ?? null;
      const targetInvoice = str(params, "invoice") ?? null;
      if (targetInvoice && invoice(targetInvoice).status !== "draft") {
        throw invalidState("You can only add invoice items to draft invoices.", "invoice_not_editable");
      }
      const period = obj(params, "period");
      const item: FakeInvoiceItem = {
        id: newStripeId("ii"),
        object: "invoiceitem",
        amount,
        currency: (str(params, "currency") ?? price?.currency ?? "usd").toLowerCase(),
        customer: customer.id,
        date: now,
        description: str(params, "description") ?? null,
        discountable: bool(params, "discountable") ?? true,
        invoice: null,
        livemode: false,
        metadata: mergeMetadata({}, params),
        parent: subscription
          ? { subscription_details: { subscription }, type: "subscription_details" }
          : null,
        period: {
          start: (period && int(period, "start")) ?? now,
          end: (period && int(period, "end")) ?? now,
        },
        pricing: price
          ? {
              price_details: { price: price.id, product: price.product as string },
              type: "price_details",
              unit_amount_decimal: price.unit_amount_decimal,
            }
          : null,
        proration: false,
        quantity,
      };
      core.store.put("invoiceitem", item);
      if (targetInvoice) {
        const inv = invoice(targetInvoice);
        const before = copy(inv);
        item.invoice = inv.id;
        inv.lines.data.push({
          id: newStripeId("il"),
          object: "line_item",
          amount,
          currency: item.currency,
          description: item.description,
          discountable: item.discountable,
          discounts: [],
          invoice: inv.id,
          livemode: false,
          metadata: {},
          parent: {
            invoice_item_details: {
              invoice_item: item.id,
              proration: false,
              proration_details: { credited_items: null },
              subscription,
            },
            subscription_item_details: null,
            type: "invoice_item_details",
          },
          period: item.period,
          pricing: item.pricing,
          quantity,
          subscription,
          subtotal: amount,
        });
        const total = inv.lines.data.reduce((t, l) => t + l.amount, 0);
        inv.subtotal = total;
        inv.total = total;
        inv.amount_due = Math.max(0, total);
        inv.amount_remaining = inv.amount_due;
        core.events.emit("invoice.updated", inv, before);
      }
      core.events.emit("invoiceitem.created", item);
      return item;
    }),
  );
  app.get(
    "/v1/invoiceitems",
    handle(core, ({ params }) => {
      const customer = str(params, "customer");
      const pending = bool(params, "pending");
      const items = core.store
        .all("invoiceitem")
        .filter((i) => !customer || i.customer === customer)
        .filter((i) => pending === undefined || (i.invoice === null) === pending);
      return paginate(items, params, "/v1/invoiceitems");
    }),
  );
  app.get(
    "/v1/invoiceitems/:id",
    handle(core, ({ path }) => core.store.require("invoiceitem", path.id as string)),
  );
  app.delete(
    "/v1/invoiceitems/:id",
    handle(core, ({ path }) => {
      const item = core.store.require("invoiceitem", path.id as string);
      if (item.invoice !== null)
        throw invalidState("This invoice item is on an invoice and cannot be deleted.");
      core.store.remove("invoiceitem", item.id);
      core.events.emit("invoiceitem.deleted", item);
      return { id: item.id, object: "invoiceitem", deleted: true };
    }),
  );
}
