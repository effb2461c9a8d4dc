/** @module How overage is priced: per-unit, package, graduated and volume, in integer minor units. */
import { z } from "zod";

const int = () => z.number().int().nonnegative();
const positive = () => z.number().int().positive();

/** A tier: units up to `upTo` (inclusive; null = no upper bound) cost `amount` per `per` units, plus `flat` once. */
export const tierSchema = z.object({
  upTo: positive().nullable(),
  amount: int(),
  per: positive().default(1),
  flat: int().default(0),
});

const tiers = z
  .array(tierSchema)
  .min(1)
  .refine(
    (ts) =>
      ts.every((t, i) => {
        const isLast = i === ts.length - 1;
        if (isLast) return t.upTo === null;
        const prev = i === 0 ? 0 : ts[i - 1]!.upTo;
        return t.upTo !== null && prev !== null && t.upTo > prev;
      }),
    { message: "tiers need strictly increasing upTo, and only the last tier unbounded (upTo: null)" },
  );

/** How a quantity is priced. Every amount is in the plan currency's minor units. */
export const priceSchema = z.discriminatedUnion("model", [
  /** `amount` per `per` units, rounded up: 2 per 1,000 -> 1,500 units cost 3. */
  z.object({ model: z.literal("per_unit"), amount: int(), per: positive().default(1) }),
  /** `amount` for each started package of `size` units: 50 per 1,000 -> 1,001 units cost 100. */
  z.object({ model: z.literal("package"), amount: int(), size: positive() }),
  /** Each unit at the rate of the tier it falls in (like income tax). */
  z.object({ model: z.literal("graduated"), tiers }),
  /** Every unit at the rate of the tier the whole quantity falls in. */
  z.object({ model: z.literal("volume"), tiers }),
]);

export type PriceInput = z.input<typeof priceSchema>;
export type Price = z.output<typeof priceSchema>;
export type Tier = z.output<typeof tierSchema>;
