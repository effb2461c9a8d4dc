/** @module Payment methods and legacy card sources: test values, attach/detach, and charging them. */
import type { Core } from "../core.js";
import { StripeFakeError } from "../errors.js";
import { copy } from "../events.js";
import { newStripeId } from "../ids.js";
import type { FakeCard, FakeCustomer, FakePaymentMethod } from "../types.js";
import { type TestCard, testCard } from "./test-cards.js";

const declined = (card: TestCard, extra: Record<string, unknown> = {}) =>
  new StripeFakeError(402, "card_error", "Your card was declined.", {
    code: "card_declined",
    declineCode: card.declineCode ?? "generic_decline",
    extra,
  });

const newPaymentMethod = (core: Core, card: TestCard): FakePaymentMethod => {
  const pm: FakePaymentMethod = {
    id: newStripeId("pm"),
    object: "payment_method",
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: "US",
      display_brand: card.brand,
      exp_month: 12,
      exp_year: new Date(core.clock.nowMs()).getUTCFullYear() + 3,
      fingerprint: `fp_${card.last4}`,
      funding: "credit",
      generated_from: null,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      regulated_status: "unregulated",
      three_d_secure_usage: { supported: true },
      wallet: null,
    } as FakePaymentMethod["card"],
    created: core.clock.now(),
    customer: null,
    livemode: false,
    metadata: {},
    type: "card",
  };
  if (card.declinesCharges) core.failingInstruments.add(pm.id);
  if (card.requiresAuthentication) core.authenticatingInstruments.add(pm.id);
  return core.store.put("payment_method", pm);
};

/**
 * The payment method for an id; a Stripe test value (`pm_card_visa`) yields a fresh `pm_...` each time.
 *
 * @example
 * const pm = resolvePaymentMethod(core, "pm_card_visa");
 */
export function resolvePaymentMethod(core: Core, id: string, param = "payment_method"): FakePaymentMethod {
  const card = testCard(id);
  if (card && id.startsWith("pm_card_")) return newPaymentMethod(core, card);
  return core.store.require("payment_method", id, param);
}

/**
 * Attach a payment method to a customer (`POST /v1/payment_methods/:id/attach`).
 *
 * @throws StripeFakeError 402 `card_error` for cards declined on attach (`pm_card_chargeDeclined`)
 * @example
 * attachPaymentMethod(core, "pm_card_visa", customer);
 */
export function attachPaymentMethod(core: Core, id: string, customer: FakeCustomer): FakePaymentMethod {
  const card = testCard(id);
  if (card?.declinesOnAttach) throw declined(card, { param: "payment_method" });
  const pm = resolvePaymentMethod(core, id);
  if (pm.customer && pm.customer !== customer.id) {
    throw new StripeFakeError(
      400,
      "invalid_request_error",
      "The payment method you provided has already been attached to a customer.",
      { code: "payment_method_unexpected_state", saved: true },
    );
  }
  if (pm.customer === customer.id) return pm;
  pm.customer = customer.id;
  core.events.emit("payment_method.attached", pm);
  return pm;
}

/**
 * Detach a payment method (`POST /v1/payment_methods/:id/detach`).
 *
 * @example
 * detachPaymentMethod(core, pm);
 */
export function detachPaymentMethod(core: Core, pm: FakePaymentMethod): FakePaymentMethod {
  const customerId = typeof pm.customer === "string" ? pm.customer : null;
  if (!customerId) {
    throw new StripeFakeError(
      400,
      "invalid_request_error",
      "The payment method you provided is not attached to a customer so detachment is impossible.",
      { code: "payment_method_unexpected_state", saved: true },
    );
  }
  const customer = core.store.get("customer", customerId);
  if (customer && customer.invoice_settings.default_payment_method === pm.id) {
    const before = copy(customer);
    customer.invoice_settings.default_payment_method = null;
    core.events.emit("customer.updated", customer, before);
  }
  pm.customer = null;
  core.events.emit("payment_method.detached", pm);
  return pm;
}

/**
 * Save a legacy card source from a token (`source: tok_visa`) on a customer.
 *
 * @throws StripeFakeError 402 for declining tokens, 400 for unknown tokens
 * @example
 * addSource(core, customer, "tok_visa");
 */
export function addSource(core: Core, customer: FakeCustomer, token: string): FakeCard {
  const card = testCard(token);
  if (!card) {
    throw new StripeFakeError(400, "invalid_request_error", `No such token: '${token}'`, {
      code: "resource_missing",
      param: "source",
    });
  }
  if (card.declinesOnAttach) throw declined(card, { param: "source" });
  const source: FakeCard = {
    id: newStripeId("card"),
    object: "card",
    brand: card.brand,
    country: "US",
    customer: customer.id,
    exp_month: 12,
    exp_year: new Date(core.clock.nowMs()).getUTCFullYear() + 3,
    funding: "credit",
    last4: card.last4,
    metadata: {},
  };
  if (card.declinesCharges) core.failingInstruments.add(source.id);
  core.store.put("card", source);
  core.events.emit("customer.source.created", source);
  return source;
}

/**
 * The instrument Stripe would charge for a customer: the explicit one, else the invoice default
 * payment method, else the default source.
 *
 * @example
 * const instrument = defaultInstrument(customer, subscription.default_payment_method);
 */
export function defaultInstrument(customer: FakeCustomer, explicit?: string | null): string | null {
  if (explicit) return explicit;
  const pm = customer.invoice_settings.default_payment_method;
  if (typeof pm === "string") return pm;
  return typeof customer.default_source === "string" ? customer.default_source : null;
}

/**
 * Charge an instrument: `null` when it succeeds, the card error Stripe would answer when it fails.
 *
 * @example
 * const error = charge(core, "pm_123"); // null: paid
 */
export function charge(
  core: Core,
  instrument: string | null,
  customerPresent = false,
): StripeFakeError | null {
  if (!instrument) {
    return new StripeFakeError(
      400,
      "invalid_request_error",
      "This customer has no attached payment source or default payment method.",
      { saved: true },
    );
  }
  if (core.failingInstruments.has(instrument)) {
    return new StripeFakeError(402, "card_error", "Your card was declined.", {
      code: "card_declined",
      declineCode: "generic_decline",
      extra: { payment_method: { id: instrument, object: "payment_method" } },
    });
  }
  // Stripe charges renewals off-session: a card that demands 3D Secure cannot be charged without the
  // customer, and the invoice waits for them (`invoice.payment_action_required`).
  if (!customerPresent && core.authenticatingInstruments.has(instrument)) {
    return new StripeFakeError(
      402,
      "card_error",
      "Your card was declined. This transaction requires authentication.",
      {
        code: "authentication_required",
        declineCode: "authentication_required",
        extra: { payment_method: { id: instrument, object: "payment_method" } },
      },
    );
  }
  return null;
}
