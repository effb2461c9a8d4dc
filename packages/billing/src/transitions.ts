/** @module The subscription state machine's impossible moves, logged when Stripe reports one. */

/** Terminal statuses: Stripe never moves a subscription out of them. */
const TERMINAL = new Set(["canceled", "incomplete_expired"]);

/**
 * Whether Stripe moving a subscription from `from` to `to` contradicts its state machine
 * (e.g. canceled -> active). Sync still writes what Stripe says (it is the source of truth) but logs it.
 *
 * @example
 * isImpossibleTransition("canceled", "active"); // true
 */
export function isImpossibleTransition(from: string, to: string): boolean {
  if (from === to) return false;
  if (TERMINAL.has(from)) return true;
  // An incomplete subscription either becomes active/trialing or expires; it never becomes past_due.
  if (from === "incomplete") return !["active", "trialing", "incomplete_expired", "canceled"].includes(to);
  return to === "incomplete";
}
