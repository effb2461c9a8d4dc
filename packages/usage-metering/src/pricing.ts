/** @module Overage pricing in integer minor units: per-unit, package, graduated and volume. */
import { type PriceInput, priceSchema, type Tier } from "@org/plans";

export { type Price, type PriceInput, priceSchema, type Tier, tierSchema } from "@org/plans";

// BigInt inside so that quantity * amount never loses precision before the rounding.
const ceilDiv = (a: bigint, b: bigint): bigint => (a === 0n ? 0n : (a + b - 1n) / b);

function toSafeNumber(amount: bigint): number {
  if (amount > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`amount ${amount} is not a safe integer`);
  return Number(amount);
}

/** Cost of `units` units at one tier's rate, rounded up to a whole minor unit. */
const tierCost = (units: bigint, tier: Tier): bigint =>
  units === 0n ? 0n : ceilDiv(units * BigInt(tier.amount), BigInt(tier.per)) + BigInt(tier.flat);

/**
 * The price of `quantity` units in integer minor units (never a float). Fractions of a minor unit are
 * rounded up, per tier for graduated prices.
 *
 * @throws RangeError when the quantity is not a non-negative safe integer or the amount is not safe.
 * @example
 * price(1_500, { model: "package", amount: 50, size: 1_000 }); // 100
 */
export function price(quantity: number, priceInput: PriceInput): number {
  if (!Number.isSafeInteger(quantity) || quantity < 0) throw new RangeError(`bad quantity ${quantity}`);
  const p = priceSchema.parse(priceInput);
  const q = BigInt(quantity);
  switch (p.model) {
    case "per_unit":
      return toSafeNumber(ceilDiv(q * BigInt(p.amount), BigInt(p.per)));
    case "package":
      return toSafeNumber(ceilDiv(q, BigInt(p.size)) * BigInt(p.amount));
    case "graduated": {
      let total = 0n;
      let floor = 0n;
      for (const tier of p.tiers) {
        const ceiling = tier.upTo === null ? q : BigInt(tier.upTo);
        const inTier = (q < ceiling ? q : ceiling) - floor;
        if (inTier <= 0n) break;
        total += tierCost(inTier, tier);
        floor = ceiling;
      }
      return toSafeNumber(total);
    }
    case "volume": {
      if (q === 0n) return 0;
      const tier = p.tiers.find((t) => t.upTo === null || q <= BigInt(t.upTo))!;
      return toSafeNumber(tierCost(q, tier));
    }
  }
}

/**
 * Overage: `max(0, used - included)` units, priced.
 *
 * @example
 * overage(1_002_500, 1_000_000, { model: "package", amount: 50, size: 1_000 });
 * // { quantity: 2_500, amount: 150 }
 */
export function overage(
  used: number,
  included: number,
  priceInput: PriceInput,
): { quantity: number; amount: number } {
  const quantity = Math.max(0, used - included);
  return { quantity, amount: price(quantity, priceInput) };
}
