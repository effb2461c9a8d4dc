/** @module Splitting a period's priced overage between prepaid credits and what is reported to Stripe. */
import { type PriceInput, price, priceSchema } from "./pricing.js";

export interface OverageSplitInput {
  /** The period's overage units so far: max(0, used - included). */
  quantity: number;
  price: PriceInput;
  /** Units already reported to Stripe for this period (never taken back). */
  reportedQuantity: number;
  /** Credits already consumed for this period and meter, minor units. */
  consumed: number;
  /** The tenant's credit balance now, minor units. */
  available: number;
}

export interface OverageSplit {
  /** The price of all `quantity` units. */
  amount: number;
  /** Units Stripe bills in total for the period (at least `reportedQuantity`): report the growth. */
  reportQuantity: number;
  /** What Stripe charges for them: `price(reportQuantity)`. */
  reportAmount: number;
  /** Credits to consume now, in [0, available]. */
  consume: number;
}

/** The smallest s in [lo, hi] with test(s), for a test that turns true once and stays true (monotonic). */
function firstTrue(lo: number, hi: number, test: (s: number) => boolean): number {
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (test(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Credits pay for the top of the overage; Stripe bills the rest in whole units at the plan's price.
 * Invariants (a test checks them for every price model):
 * - `consumed + consume + reportAmount <= amount`: never in the customer's disfavour;
 * - `consume <= available`, `reportQuantity` never shrinks;
 * - with a monotonic price (per-unit, package, graduated) and no rounding step in the way, the sum
 *   is exactly `amount`: credits are consumed to the cent for what they cover, no more.
 * A price step (a package of 1,000 units costs 50) cannot be split: the units of a step are either
 * covered entirely by credits or reported entirely. When the balance is short of a whole step the
 * step is reported and the credits stay in the balance (the customer keeps them). Only where a
 * step would overshoot what is owed (possible after earlier covered runs) are the last credits
 * consumed and the shortfall (less than one step) is left unbilled, in the customer's favour.
 * Volume tiers are not monotonic in quantity (more units can cost less once a cheaper tier applies
 * to all of them), so no split of them is safe: a volume-priced overage is reported whole and
 * credits are not consumed for it.
 *
 * @example
 * splitOverage({ quantity: 2_500, price: { model: "package", amount: 50, size: 1_000 },
 *   reportedQuantity: 0, consumed: 0, available: 60 });
 * // { amount: 150, reportQuantity: 2_000, reportAmount: 100, consume: 50 }
 */
export function splitOverage(input: OverageSplitInput): OverageSplit {
  const p = priceSchema.parse(input.price);
  const priceOf = (units: number) => price(units, p);
  const { quantity, consumed, available } = input;
  const reported = Math.min(input.reportedQuantity, quantity);
  const amount = priceOf(quantity);
  if (p.model === "volume") return { amount, reportQuantity: quantity, reportAmount: amount, consume: 0 };
  const owed = amount - consumed; // what Stripe and new credits still have to cover
  const target = owed - available; // the least Stripe must bill
  const least = firstTrue(reported, quantity, (s) => priceOf(s) >= target);
  let reportQuantity: number;
  if (priceOf(least) <= owed) {
    // Every unit that costs nothing more than `least` goes to Stripe too: credits pay for value only.
    const step = priceOf(least);
    reportQuantity = firstTrue(least, quantity + 1, (s) => s > quantity || priceOf(s) > step) - 1;
  } else {
    reportQuantity = firstTrue(reported, quantity + 1, (s) => s > quantity || priceOf(s) > owed) - 1;
  }
  let reportAmount = priceOf(reportQuantity);
  let consume = Math.min(available, owed - reportAmount);
  const billedBefore = consumed + priceOf(reported);
  if (reportQuantity < reported || consume < 0 || consumed + consume + reportAmount > amount) {
    reportQuantity = reported;
    reportAmount = priceOf(reported);
    consume = Math.max(0, Math.min(available, amount - billedBefore));
  }
  return { amount, reportQuantity, reportAmount, consume };
}
