import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "./backoff.js";

describe("backoffDelayMs", () => {
  const options = { baseMs: 1_000, maxMs: 60_000 };

  it("doubles from the base, between half and all of the ceiling", () => {
    for (const [failures, ceiling] of [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
      [6, 32_000],
    ] as const) {
      expect(backoffDelayMs(failures, { ...options, random: () => 0 })).toBe(ceiling / 2);
      expect(backoffDelayMs(failures, { ...options, random: () => 0.999_999 })).toBeCloseTo(ceiling, -1);
    }
  });

  it("never waits longer than the maximum, however many failures", () => {
    for (const failures of [7, 20, 1_000]) {
      expect(backoffDelayMs(failures, { ...options, random: () => 0.999_999 })).toBeLessThanOrEqual(60_000);
      expect(backoffDelayMs(failures, { ...options, random: () => 0 })).toBe(30_000);
    }
  });
});
