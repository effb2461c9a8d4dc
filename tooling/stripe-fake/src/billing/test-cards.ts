/** @module Stripe's documented test payment methods and tokens, and how each behaves. */

/** How a test card behaves. */
export interface TestCard {
  brand: string;
  last4: string;
  /** Attaching or saving the card is declined. */
  declinesOnAttach: boolean;
  /** Attaches fine, every charge is declined (`pm_card_chargeCustomerFail`). */
  declinesCharges: boolean;
  /** Attaches fine, every charge made without the customer present needs 3D Secure (`pm_card_authenticationRequired`). */
  requiresAuthentication: boolean;
  declineCode?: string;
}

const card = (brand: string, last4: string, behaviour: Partial<TestCard> = {}): TestCard => ({
  brand,
  last4,
  declinesOnAttach: false,
  declinesCharges: false,
  requiresAuthentication: false,
  ...behaviour,
});

const CARDS: Record<string, TestCard> = {
  visa: card("visa", "4242"),
  visa_debit: card("visa", "5556"),
  mastercard: card("mastercard", "4444"),
  amex: card("amex", "8431"),
  discover: card("discover", "1117"),
  chargeCustomerFail: card("visa", "0341", { declinesCharges: true, declineCode: "generic_decline" }),
  authenticationRequired: card("visa", "3184", { requiresAuthentication: true }),
  chargeDeclined: card("visa", "0002", { declinesOnAttach: true, declineCode: "generic_decline" }),
  chargeDeclinedInsufficientFunds: card("visa", "9995", {
    declinesOnAttach: true,
    declineCode: "insufficient_funds",
  }),
  chargeDeclinedExpiredCard: card("visa", "0069", { declinesOnAttach: true, declineCode: "expired_card" }),
};

/**
 * The test card behind `pm_card_<name>` or `tok_<name>`, or undefined for any other id.
 *
 * @example
 * testCard("pm_card_chargeCustomerFail")?.declinesCharges; // true
 */
export function testCard(id: string): TestCard | undefined {
  const name = id.startsWith("pm_card_") ? id.slice(8) : id.startsWith("tok_") ? id.slice(4) : undefined;
  return name === undefined ? undefined : CARDS[name];
}
