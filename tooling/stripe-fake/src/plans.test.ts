import { describe, expect, it } from "vitest";
import { normalizePlans } from "./plans.js";

describe("normalizePlans", () => {
  it("reads plans as a list with price objects or as a map with interval amounts", () => {
    expect(
      normalizePlans({ plans: [{ id: "pro", prices: [{ interval: "month", unitAmount: 4900 }] }] }),
    ).toEqual([{ id: "pro", prices: [{ interval: "month", unitAmount: 4900 }] }]);
    expect(
      normalizePlans({ plans: { team: { name: "Team", prices: { monthly: 900, yearly: 9000 } } } }),
    ).toEqual([
      {
        id: "team",
        name: "Team",
        prices: [
          { interval: "month", unitAmount: 900 },
          { interval: "year", unitAmount: 9000 },
        ],
      },
    ]);
  });

  it("refuses a file without any priced plan", () => {
    expect(() => normalizePlans({ plans: [{ id: "x" }] })).toThrow(/No plan/);
  });
});
