/** @module Checkout sessions (subscription mode) and the paying customer who completes them. */
import type { Core } from "../core.js";
import { invalidParam, invalidState, StripeFakeError } from "../errors.js";
import type { Params } from "../form.js";
import { newStripeId } from "../ids.js";
import { arr, bool, int, mergeMetadata, obj, str } from "../params.js";
import { perCore } from "../per-core.js";
import type { FakeCheckoutSession, FakePrice } from "../types.js";
import { createCustomer } from "./customers.js";
import { attachPaymentMethod } from "./payment-methods.js";
import { type MissingPaymentMethod, missingPaymentMethodOf, startSubscription } from "./subscriptions.js";
import { amountFor } from "./usage.js";

interface SessionDetails {
  items: Array<{ price: FakePrice; quantity: number }>;
  trialDays: number | null;
  subscriptionMetadata: Record<string, string>;
  missingPaymentMethod: MissingPaymentMethod | undefined;
}

const detailsOf = perCore(() => new Map<string, SessionDetails>());

/**
 * The line items of a session (for `GET /v1/checkout/sessions/:id/line_items`).
 *
 * @example
 * sessionItems(core, "cs_test_1");
 */
export function sessionItems(core: Core, id: string): SessionDetails["items"] {
  return detailsOf(core).get(id)?.items ?? [];
}

/**
 * Create a Checkout Session (`POST /v1/checkout/sessions`). Its `url` is a page of the fake where
 * a person can "pay"; tests complete it with {@link completeCheckoutSession}.
 *
 * @example
 * createCheckoutSession(core, { mode: "subscription", customer: "cus_1", line_items: [{ price: "price_pro_monthly", quantity: "1" }], success_url: "https://x/ok" });
 */
export function createCheckoutSession(core: Core, params: Params): FakeCheckoutSession {
  const mode = (str(params, "mode") ?? "payment") as FakeCheckoutSession["mode"];
  if (mode !== "subscription" && mode !== "payment" && mode !== "setup")
    throw invalidParam("mode", `Invalid mode: ${mode}`);
  const customerId = str(params, "customer") ?? null;
  if (customerId) core.store.require("customer", customerId, "customer");
  const items = (arr(params, "line_items") ?? []).map((raw, i) => {
    if (typeof raw !== "object" || Array.isArray(raw)) throw invalidParam(`line_items[${i}]`, "Invalid hash");
    const id = str(raw, "price");
    if (!id)
      throw invalidParam(`line_items[${i}][price]`, "Missing required param: price.", "parameter_missing");
    return {
      price: core.store.require("price", id, `line_items[${i}][price]`),
      quantity: int(raw, "quantity") ?? 1,
    };
  });
  if (mode !== "setup" && items.length === 0) {
    throw invalidParam("line_items", "Missing required param: line_items.", "parameter_missing");
  }
  if (mode === "subscription" && items.some((i) => !i.price.recurring)) {
    throw invalidParam(
      "line_items",
      "You must provide at least one recurring price in `subscription` mode when using prices.",
    );
  }
  const successUrl = str(params, "success_url") ?? null;
  if (!successUrl && str(params, "ui_mode") !== "embedded") {
    throw invalidParam("success_url", "Missing required param: success_url.", "parameter_missing");
  }
  const subscriptionData = obj(params, "subscription_data") ?? {};
  const id = newStripeId("cs_test");
  const now = core.clock.now();
  const amount = items.reduce((total, i) => total + amountFor(i.price, i.quantity), 0);
  type Session = FakeCheckoutSession;
  const session: FakeCheckoutSession = {
    id,
    object: "checkout.session",
    allow_promotion_codes: bool(params, "allow_promotion_codes") ?? null,
    amount_subtotal: amount,
    amount_total: amount,
    billing_address_collection: (str(params, "billing_address_collection") ??
      null) as Session["billing_address_collection"],
    cancel_url: str(params, "cancel_url") ?? null,
    client_reference_id: str(params, "client_reference_id") ?? null,
    created: now,
    currency: items[0]?.price.currency ?? null,
    customer: customerId,
    customer_creation: (str(params, "customer_creation") ??
      (customerId ? null : "if_required")) as Session["customer_creation"],
    customer_email: str(params, "customer_email") ?? null,
    expires_at: int(params, "expires_at") ?? now + core.settings.checkoutExpiresHours * 3600,
    invoice: null,
    livemode: false,
    locale: (str(params, "locale") ?? null) as Session["locale"],
    metadata: mergeMetadata({}, params),
    mode,
    payment_method_collection: (str(params, "payment_method_collection") ??
      (mode === "subscription" ? "always" : null)) as Session["payment_method_collection"],
    payment_method_types: ["card"],
    payment_status: "unpaid",
    status: "open",
    submit_type: (str(params, "submit_type") ?? null) as Session["submit_type"],
    subscription: null,
    success_url: successUrl,
    ui_mode: (str(params, "ui_mode") ?? "hosted") as Session["ui_mode"],
    url: `${core.baseUrl()}/checkout/${id}`,
  };
  const returnUrl = str(params, "return_url");
  if (returnUrl) session.return_url = returnUrl;
  detailsOf(core).set(id, {
    items,
    trialDays: int(subscriptionData, "trial_period_days") ?? null,
    subscriptionMetadata: mergeMetadata({}, subscriptionData),
    missingPaymentMethod: missingPaymentMethodOf(subscriptionData),
  });
  core.store.put("checkout.session", session);
  return session;
}

/** Options of {@link completeCheckoutSession}. */
export interface CompleteCheckoutOptions {
  /** The card the customer enters: a Stripe test value (default `pm_card_visa`). */
  paymentMethod?: string;
  /** Email typed on the page when the session named no customer. */
  email?: string;
}

/**
 * Complete a session as a paying customer would: customer created if needed, card saved as the
 * default, subscription started and paid, `checkout.session.completed` emitted last.
 *
 * @throws StripeFakeError 402 `card_error` when the card is declined (the session stays open)
 * @example
 * completeCheckoutSession(core, "cs_test_1", { paymentMethod: "pm_card_visa" });
 */
export function completeCheckoutSession(
  core: Core,
  id: string,
  options: CompleteCheckoutOptions = {},
): FakeCheckoutSession {
  const session = core.store.require("checkout.session", id);
  if (session.status !== "open")
    throw invalidState(`This Checkout Session is ${session.status}.`, "checkout_session_not_open");
  const info = detailsOf(core).get(id) as SessionDetails;
  const paymentMethod = options.paymentMethod ?? "pm_card_visa";
  const customer =
    typeof session.customer === "string"
      ? core.store.require("customer", session.customer)
      : createCustomer(core, { email: options.email ?? session.customer_email ?? "customer@example.com" });
  const pm = attachPaymentMethod(core, paymentMethod, customer);
  if (core.failingInstruments.has(pm.id)) {
    throw new StripeFakeError(402, "card_error", "Your card was declined.", {
      code: "card_declined",
      declineCode: "generic_decline",
    });
  }
  customer.invoice_settings.default_payment_method = pm.id;
  session.customer = customer.id;
  if (session.mode === "subscription") {
    const now = core.clock.now();
    const sub = startSubscription(core, {
      customer: customer.id,
      items: info.items,
      trialEnd: info.trialDays ? now + info.trialDays * 86_400 : null,
      metadata: info.subscriptionMetadata,
      defaultPaymentMethod: pm.id,
      paymentBehavior: "allow_incomplete",
      customerPresent: true,
      collectionMethod: "charge_automatically",
      daysUntilDue: null,
      cancelAtPeriodEnd: false,
      description: null,
      ...(info.missingPaymentMethod ? { missingPaymentMethod: info.missingPaymentMethod } : {}),
    });
    session.subscription = sub.id;
    session.invoice = typeof sub.latest_invoice === "string" ? sub.latest_invoice : null;
  }
  session.status = "complete";
  session.payment_status = session.amount_total === 0 || info.trialDays ? "no_payment_required" : "paid";
  core.events.emit("checkout.session.completed", session);
  return session;
}

/**
 * Expire an open session (`POST /v1/checkout/sessions/:id/expire`, or the clock).
 *
 * @example
 * expireCheckoutSession(core, session);
 */
export function expireCheckoutSession(core: Core, session: FakeCheckoutSession): FakeCheckoutSession {
  if (session.status !== "open")
    throw invalidState(`This Checkout Session is ${session.status}.`, "checkout_session_not_open");
  session.status = "expired";
  core.events.emit("checkout.session.expired", session);
  return session;
}
