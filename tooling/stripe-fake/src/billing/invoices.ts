/** @module Invoices: drafts with lines, finalization, payment attempts and their effect on subscriptions. */
import type Stripe from "stripe";
import type { Core } from "../core.js";
import { invalidState, type StripeFakeError } from "../errors.js";
import { copy } from "../events.js";
import { newStripeId } from "../ids.js";
import type { FakeCustomer, FakeInvoice, FakeInvoiceItem, FakeInvoiceLineItem, FakePrice } from "../types.js";
import { charge, defaultInstrument } from "./payment-methods.js";

/** One line of a new invoice. */
export interface LineDraft {
  amount: number;
  description: string | null;
  quantity: number | null;
  period: { start: number; end: number };
  price?: FakePrice;
  proration?: boolean;
  invoiceItem?: string;
  subscriptionItem?: string;
}

/** What a new invoice is made of. */
export interface InvoiceDraft {
  customer: FakeCustomer;
  subscription?: string | null;
  billingReason: Stripe.Invoice.BillingReason;
  periodStart: number;
  periodEnd: number;
  lines: LineDraft[];
  /** Pending invoice items to absorb (their `invoice` is set to the new invoice). */
  pendingItems?: FakeInvoiceItem[];
  description?: string | null;
  metadata?: Record<string, string>;
  collectionMethod?: Stripe.Invoice.CollectionMethod;
  autoAdvance?: boolean;
  daysUntilDue?: number | null;
}

const priceDetails = (price: FakePrice | undefined) =>
  price
    ? {
        price_details: { price: price.id, product: price.product as string },
        type: "price_details" as const,
        unit_amount_decimal: price.unit_amount_decimal,
      }
    : null;

const lineOf = (invoice: string, subscription: string | null, draft: LineDraft): FakeInvoiceLineItem => ({
  id: newStripeId("il"),
  object: "line_item",
  amount: draft.amount,
  currency: draft.price?.currency ?? "usd",
  description: draft.description,
  discountable: true,
  discounts: [],
  invoice,
  livemode: false,
  metadata: {},
  parent: draft.subscriptionItem
    ? {
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: draft.invoiceItem ?? null,
          proration: draft.proration ?? false,
          proration_details: { credited_items: null },
          subscription,
          subscription_item: draft.subscriptionItem,
        },
        type: "subscription_item_details",
      }
    : {
        invoice_item_details: {
          invoice_item: draft.invoiceItem ?? "",
          proration: draft.proration ?? false,
          proration_details: { credited_items: null },
          subscription,
        },
        subscription_item_details: null,
        type: "invoice_item_details",
      },
  period: draft.period,
  pricing: priceDetails(draft.price) as FakeInvoiceLineItem["pricing"],
  quantity: draft.quantity,
  subscription,
  subtotal: draft.amount,
});

const itemLine = (item: FakeInvoiceItem, core: Core): LineDraft => {
  const priceId = item.pricing?.price_details?.price;
  const price = typeof priceId === "string" ? core.store.get("price", priceId) : undefined;
  const draft: LineDraft = {
    amount: item.amount,
    description: item.description,
    quantity: item.quantity,
    period: item.period,
    proration: item.proration,
    invoiceItem: item.id,
  };
  if (price) draft.price = price;
  return draft;
};

const sumLines = (invoice: FakeInvoice) => invoice.lines.data.reduce((total, line) => total + line.amount, 0);

const recompute = (invoice: FakeInvoice) => {
  const total = sumLines(invoice);
  invoice.subtotal = total;
  invoice.total = total;
  invoice.amount_due = Math.max(0, total);
  invoice.amount_remaining = invoice.status === "paid" ? 0 : Math.max(0, total - invoice.amount_paid);
};

/**
 * Create a draft invoice (emits `invoice.created`).
 *
 * @example
 * createInvoice(core, { customer, billingReason: "manual", periodStart: now, periodEnd: now, lines: [] });
 */
export function createInvoice(core: Core, draft: InvoiceDraft): FakeInvoice {
  const invoice = buildInvoice(core, draft, newStripeId("in"));
  for (const item of draft.pendingItems ?? []) item.invoice = invoice.id;
  core.store.put("invoice", invoice);
  core.events.emit("invoice.created", invoice);
  return invoice;
}

/**
 * The invoice object for a draft, neither stored nor announced (previews use it as is).
 *
 * @example
 * const preview = buildInvoice(core, draft, "upcoming_in_1");
 */
export function buildInvoice(core: Core, draft: InvoiceDraft, id: string): FakeInvoice {
  const now = core.clock.now();
  const subscription = draft.subscription ?? null;
  const lines = [...draft.lines, ...(draft.pendingItems ?? []).map((item) => itemLine(item, core))].map((l) =>
    lineOf(id, subscription, l),
  );
  const invoice: FakeInvoice = {
    id,
    object: "invoice",
    amount_due: 0,
    amount_paid: 0,
    amount_remaining: 0,
    attempt_count: 0,
    attempted: false,
    auto_advance: draft.autoAdvance ?? true,
    billing_reason: draft.billingReason,
    collection_method: draft.collectionMethod ?? "charge_automatically",
    created: now,
    currency: lines[0]?.currency ?? "usd",
    customer: draft.customer.id,
    customer_email: draft.customer.email,
    customer_name: draft.customer.name ?? null,
    default_payment_method: null,
    description: draft.description ?? null,
    due_date: draft.daysUntilDue ? now + draft.daysUntilDue * 86_400 : null,
    effective_at: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    lines: { object: "list", data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: draft.metadata ?? {},
    next_payment_attempt: null,
    number: null,
    parent: subscription
      ? {
          quote_details: null,
          subscription_details: { metadata: {}, subscription },
          type: "subscription_details",
        }
      : null,
    period_end: draft.periodEnd,
    period_start: draft.periodStart,
    status: "draft",
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    total: 0,
    webhooks_delivered_at: null,
  };
  recompute(invoice);
  return invoice;
}

/**
 * The customer's pending invoice items (not yet on an invoice), optionally only one subscription's.
 *
 * @example
 * pendingItems(core, customer.id, subscription.id);
 */
export function pendingItems(core: Core, customer: string, subscription?: string): FakeInvoiceItem[] {
  return core.store
    .all("invoiceitem")
    .filter((item) => item.customer === customer && item.invoice === null)
    .filter((item) => {
      const owner = item.parent?.subscription_details?.subscription ?? null;
      return subscription === undefined ? owner === null : owner === null || owner === subscription;
    })
    .reverse();
}

/**
 * Finalize a draft (`POST /v1/invoices/:id/finalize`): number, `open`, `invoice.finalized`; a zero
 * invoice is paid at once, as on Stripe.
 *
 * @example
 * finalizeInvoice(core, invoice);
 */
export function finalizeInvoice(core: Core, invoice: FakeInvoice): FakeInvoice {
  if (invoice.status !== "draft")
    throw invalidState(
      "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
      "invoice_not_editable",
    );
  const now = core.clock.now();
  const customer = core.store.get("customer", invoice.customer as string);
  const sequence =
    core.store.all("invoice").filter((i) => i.customer === invoice.customer && i.number).length + 1;
  invoice.number = `${customer?.invoice_prefix ?? "FAKE"}-${String(sequence).padStart(4, "0")}`;
  invoice.status = "open";
  invoice.effective_at = now;
  invoice.status_transitions.finalized_at = now;
  invoice.hosted_invoice_url = `${core.baseUrl()}/invoices/${invoice.id}`;
  invoice.invoice_pdf = `${core.baseUrl()}/invoices/${invoice.id}/pdf`;
  recompute(invoice);
  core.events.emit("invoice.finalized", invoice);
  if (invoice.amount_due === 0) markPaid(core, invoice);
  return invoice;
}

const markPaid = (core: Core, invoice: FakeInvoice) => {
  const now = core.clock.now();
  invoice.status = "paid";
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.attempted = true;
  invoice.next_payment_attempt = null;
  invoice.status_transitions.paid_at = now;
  core.events.emit("invoice.paid", invoice);
  core.events.emit("invoice.payment_succeeded", invoice);
  core.hooks.invoicePaid(invoice);
};

/** Options of {@link attemptPayment}. */
export interface PayOptions {
  /** Instrument to charge instead of the defaults (`payment_method` or `source` of `/pay`). */
  instrument?: string | null;
  /**
   * An automatic collection (renewal or scheduled retry) rather than a call to `/pay`: only these
   * schedule the next retry and, after the last one, apply the account's final action.
   */
  automatic?: boolean;
  /** The customer is there to authenticate (Checkout's page): 3D Secure cards are charged. */
  customerPresent?: boolean;
}

/**
 * Try to collect an open invoice: `null` when paid, the card error when the charge fails (after
 * `invoice.payment_failed` and the subscription's move to `past_due`).
 *
 * @example
 * const error = attemptPayment(core, invoice, { instrument: "pm_123" });
 */
export function attemptPayment(
  core: Core,
  invoice: FakeInvoice,
  options: PayOptions = {},
): StripeFakeError | null {
  if (invoice.status === "draft") finalizeInvoice(core, invoice);
  if (invoice.status === "paid") return null;
  if (invoice.status !== "open")
    throw invalidState(`You cannot pay an invoice with status ${invoice.status}.`, "invoice_not_open");
  const customer = core.store.require("customer", invoice.customer as string, "customer");
  const subscriptionId = invoice.parent?.subscription_details?.subscription;
  const subscription =
    typeof subscriptionId === "string" ? core.store.get("subscription", subscriptionId) : undefined;
  const subscriptionDefault =
    typeof subscription?.default_payment_method === "string" ? subscription.default_payment_method : null;
  const instrument = defaultInstrument(customer, options.instrument ?? subscriptionDefault);
  const before = copy(invoice);
  const failure = charge(core, instrument, options.customerPresent ?? false);
  invoice.attempt_count += 1;
  invoice.attempted = true;
  if (!failure) {
    markPaid(core, invoice);
    return null;
  }
  if (options.automatic) {
    const retryDays = core.settings.paymentRetryDays[invoice.attempt_count - 1];
    invoice.next_payment_attempt =
      subscription && retryDays !== undefined ? core.clock.now() + retryDays * 86_400 : null;
  }
  core.events.emit("invoice.payment_failed", invoice);
  if (failure.init.code === "authentication_required") {
    core.events.emit("invoice.payment_action_required", invoice);
  }
  core.events.emit("invoice.updated", invoice, before);
  core.hooks.invoicePaymentFailed(invoice, options.automatic ?? false);
  return failure;
}

/**
 * Void an open invoice (`POST /v1/invoices/:id/void`).
 *
 * @example
 * voidInvoice(core, invoice);
 */
export function voidInvoice(core: Core, invoice: FakeInvoice): FakeInvoice {
  if (invoice.status !== "open") throw invalidState("You can only void open invoices.", "invoice_not_open");
  invoice.status = "void";
  invoice.next_payment_attempt = null;
  invoice.amount_remaining = 0;
  invoice.status_transitions.voided_at = core.clock.now();
  core.events.emit("invoice.voided", invoice);
  return invoice;
}

/**
 * Mark an open invoice uncollectible (`POST /v1/invoices/:id/mark_uncollectible`).
 *
 * @example
 * markUncollectible(core, invoice);
 */
export function markUncollectible(core: Core, invoice: FakeInvoice): FakeInvoice {
  if (invoice.status !== "open")
    throw invalidState("You can only mark open invoices uncollectible.", "invoice_not_open");
  invoice.status = "uncollectible";
  invoice.next_payment_attempt = null;
  invoice.status_transitions.marked_uncollectible_at = core.clock.now();
  core.events.emit("invoice.marked_uncollectible", invoice);
  return invoice;
}
