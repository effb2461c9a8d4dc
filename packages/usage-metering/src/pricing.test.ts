import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { meteringPlan } from "../test/catalogue.js";
import { overage, type Price, price, priceSchema } from "./pricing.js";

const pro = meteringPlan("pro").meters;
const enterprise = meteringPlan("enterprise").meters;

describe("the default catalogue's overage", () => {
  it("prices pro api_calls per started 1,000 at 50", () => {
    const p = pro.api_calls!.overage!;
    expect(overage(1_000_000, 1_000_000, p)).toEqual({ quantity: 0, amount: 0 });
    expect(overage(1_000_001, 1_000_000, p)).toEqual({ quantity: 1, amount: 50 });
    expect(overage(1_002_000, 1_000_000, p)).toEqual({ quantity: 2_000, amount: 100 });
    expect(overage(1_002_001, 1_000_000, p)).toEqual({ quantity: 2_001, amount: 150 });
    expect(overage(10, 1_000_000, p)).toEqual({ quantity: 0, amount: 0 });
  });

  it("prices pro tokens graduated: 10M extra at 2 per 1,000, then 1 per 1,000", () => {
    const p = pro.tokens!.overage!;
    expect(price(10_000_000, p)).toBe(20_000);
    expect(price(15_000_000, p)).toBe(20_000 + 5_000);
    expect(price(1_500, p)).toBe(3);
    expect(price(1_499, p)).toBe(3); // 2.998 rounded up
  });

  it("prices enterprise api_calls at the tier the whole quantity falls in", () => {
    const p = enterprise.api_calls!.overage!;
    expect(price(10_000_000, p)).toBe(400_000);
    expect(price(10_001_000, p)).toBe(300_030);
    expect(price(200_000_000, p)).toBe(4_000_000);
  });

  it("refuses tiers that are not strictly increasing or not open-ended", () => {
    const bad = (tiers: unknown) => priceSchema.safeParse({ model: "graduated", tiers }).success;
    expect(bad([{ upTo: 10, amount: 1 }])).toBe(false);
    expect(
      bad([
        { upTo: 10, amount: 1 },
        { upTo: 5, amount: 1 },
        { upTo: null, amount: 1 },
      ]),
    ).toBe(false);
    expect(
      bad([
        { upTo: 10, amount: 1 },
        { upTo: null, amount: 1 },
      ]),
    ).toBe(true);
  });
});

// --- property tests against a deliberately naive reference: unit by unit, in exact rationals ---

interface RefTier {
  upTo: number | null;
  amount: number;
  per: number;
  flat: number;
}

/** ceil(num / den) for non-negative bigints. */
const ceil = (num: bigint, den: bigint) => (num + den - 1n) / den;

function reference(quantity: number, p: Price): bigint {
  if (p.model === "per_unit") return ceil(BigInt(quantity) * BigInt(p.amount), BigInt(p.per));
  if (p.model === "package") {
    let packages = 0n;
    for (let used = 0; used < quantity; used += p.size) packages++;
    return packages * BigInt(p.amount);
  }
  const tiers = p.tiers as RefTier[];
  if (p.model === "volume") {
    if (quantity === 0) return 0n;
    let i = 0;
    while (tiers[i]!.upTo !== null && quantity > tiers[i]!.upTo!) i++;
    const t = tiers[i]!;
    return ceil(BigInt(quantity) * BigInt(t.amount), BigInt(t.per)) + BigInt(t.flat);
  }
  // graduated: count units per tier one at a time, then price each tier's count
  const counts = tiers.map(() => 0);
  let i = 0;
  for (let unit = 1; unit <= quantity; unit++) {
    while (tiers[i]!.upTo !== null && unit > tiers[i]!.upTo!) i++;
    counts[i]!++;
  }
  return tiers.reduce(
    (sum, t, k) =>
      counts[k]! === 0
        ? sum
        : sum + ceil(BigInt(counts[k]!) * BigInt(t.amount), BigInt(t.per)) + BigInt(t.flat),
    0n,
  );
}

const tiersArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 5_000 }), { minLength: 0, maxLength: 4 })
  .chain((bounds) =>
    fc.tuple(
      fc.constant([...bounds].sort((a, b) => a - b)),
      fc.array(
        fc.record({
          amount: fc.integer({ min: 0, max: 1_000 }),
          per: fc.integer({ min: 1, max: 1_000 }),
          flat: fc.integer({ min: 0, max: 100 }),
        }),
        { minLength: bounds.length + 1, maxLength: bounds.length + 1 },
      ),
    ),
  )
  .map(([bounds, rates]) => rates.map((r, i) => ({ ...r, upTo: i < bounds.length ? bounds[i]! : null })));

const priceArb: fc.Arbitrary<Price> = fc.oneof(
  fc.record({
    model: fc.constant("per_unit" as const),
    amount: fc.integer({ min: 0, max: 10_000 }),
    per: fc.integer({ min: 1, max: 10_000 }),
  }),
  fc.record({
    model: fc.constant("package" as const),
    amount: fc.integer({ min: 0, max: 10_000 }),
    size: fc.integer({ min: 1, max: 2_000 }),
  }),
  fc.record({ model: fc.constant("graduated" as const), tiers: tiersArb }),
  fc.record({ model: fc.constant("volume" as const), tiers: tiersArb }),
);

const quantityArb = fc.integer({ min: 0, max: 20_000 });

describe("pricing properties (fast-check)", () => {
  it("agrees with the unit-by-unit reference, in integers", () => {
    fc.assert(
      fc.property(priceArb, quantityArb, (p, q) => {
        const amount = price(q, p);
        expect(Number.isSafeInteger(amount)).toBe(true);
        expect(BigInt(amount)).toBe(reference(q, p));
      }),
      { numRuns: 500 },
    );
  });

  it("costs nothing for nothing and never goes negative", () => {
    fc.assert(
      fc.property(priceArb, quantityArb, (p, q) => {
        expect(price(0, p)).toBe(0);
        expect(price(q, p)).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it("never charges less for more, except volume pricing at a cheaper tier's threshold", () => {
    const monotone = priceArb.filter((p) => p.model !== "volume");
    fc.assert(
      fc.property(monotone, quantityArb, fc.integer({ min: 0, max: 5_000 }), (p, q, extra) => {
        expect(price(q + extra, p)).toBeGreaterThanOrEqual(price(q, p));
      }),
    );
  });

  it("is monotone for volume tiers too within one tier", () => {
    fc.assert(
      fc.property(tiersArb, quantityArb, fc.integer({ min: 0, max: 5_000 }), (tiers, q, extra) => {
        const p: Price = { model: "volume", tiers };
        const tierOf = (n: number) => tiers.findIndex((t) => t.upTo === null || n <= t.upTo);
        fc.pre(q > 0 && tierOf(q) === tierOf(q + extra));
        expect(price(q + extra, p)).toBeGreaterThanOrEqual(price(q, p));
      }),
    );
  });

  it("prices graduated tiers as the sum of their parts: one tier equals per-unit", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        quantityArb,
        (amount, per, q) => {
          expect(price(q, { model: "graduated", tiers: [{ upTo: null, amount, per, flat: 0 }] })).toBe(
            price(q, { model: "per_unit", amount, per }),
          );
        },
      ),
    );
  });

  it("stays exact for quantities far beyond 2^32 (bigint inside)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 1_000 }), (q, amount) => {
        const got = price(q, { model: "per_unit", amount, per: 1_000 });
        expect(BigInt(got)).toBe(ceil(BigInt(q) * BigInt(amount), 1_000n));
      }),
    );
  });

  it("refuses a fractional or negative quantity", () => {
    expect(() => price(1.5, { model: "per_unit", amount: 1, per: 1 })).toThrow(RangeError);
    expect(() => price(-1, { model: "per_unit", amount: 1, per: 1 })).toThrow(RangeError);
  });
});
