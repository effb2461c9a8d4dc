import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitOverage } from "./overage-split.js";
import { type PriceInput, price } from "./pricing.js";

const PACKAGE: PriceInput = { model: "package", amount: 50, size: 1_000 };
const GRADUATED: PriceInput = {
  model: "graduated",
  tiers: [
    { upTo: 10_000, amount: 2, per: 1_000 },
    { upTo: null, amount: 1, per: 1_000 },
  ],
};
const PER_UNIT: PriceInput = { model: "per_unit", amount: 3, per: 1 };
const VOLUME: PriceInput = {
  model: "volume",
  tiers: [
    { upTo: 5_000, amount: 4, per: 1_000 },
    { upTo: null, amount: 1, per: 1_000 },
  ],
};

describe("splitOverage", () => {
  it("reports everything when there are no credits", () => {
    expect(
      splitOverage({ quantity: 2_500, price: PACKAGE, reportedQuantity: 0, consumed: 0, available: 0 }),
    ).toEqual({ amount: 150, reportQuantity: 2_500, reportAmount: 150, consume: 0 });
  });

  it("covers whole packages with credits and keeps the rest of the balance", () => {
    expect(
      splitOverage({ quantity: 2_500, price: PACKAGE, reportedQuantity: 0, consumed: 0, available: 60 }),
    ).toEqual({ amount: 150, reportQuantity: 2_000, reportAmount: 100, consume: 50 });
    expect(
      splitOverage({ quantity: 2_500, price: PACKAGE, reportedQuantity: 0, consumed: 0, available: 1_000 }),
    ).toEqual({ amount: 150, reportQuantity: 0, reportAmount: 0, consume: 150 });
  });

  it("covers per-unit prices to the cent", () => {
    expect(
      splitOverage({ quantity: 10, price: PER_UNIT, reportedQuantity: 0, consumed: 0, available: 7 }),
    ).toEqual({
      amount: 30,
      reportQuantity: 8,
      reportAmount: 24,
      consume: 6,
    });
  });

  it("never bills more than the overage's price, never consumes more than the balance, never un-reports", () => {
    const model = fc.constantFrom(PACKAGE, GRADUATED, PER_UNIT, VOLUME);
    fc.assert(
      fc.property(
        model,
        fc.array(
          fc.record({ grow: fc.integer({ min: 0, max: 30_000 }), topUp: fc.integer({ min: 0, max: 200 }) }),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        (p, runs) => {
          let quantity = 0;
          let reported = 0;
          let consumed = 0;
          let balance = 0;
          for (const run of runs) {
            quantity += run.grow;
            balance += run.topUp;
            const split = splitOverage({
              quantity,
              price: p,
              reportedQuantity: reported,
              consumed,
              available: balance,
            });
            expect(split.consume).toBeGreaterThanOrEqual(0);
            expect(split.consume).toBeLessThanOrEqual(balance);
            expect(split.reportQuantity).toBeGreaterThanOrEqual(reported);
            expect(split.reportQuantity).toBeLessThanOrEqual(quantity);
            expect(split.reportAmount).toBe(price(split.reportQuantity, p));
            expect(consumed + split.consume + split.reportAmount).toBeLessThanOrEqual(split.amount);
            if (p !== VOLUME && run.topUp === 0 && balance === 0 && consumed === 0)
              expect(split.reportQuantity).toBe(quantity);
            reported = split.reportQuantity;
            consumed += split.consume;
            balance -= split.consume;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
