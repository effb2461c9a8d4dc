import { describe, expect, it } from "vitest";
import { gcraDecide } from "./gcra.js";
import { createPolicy } from "./policy.js";

describe("gcraDecide", () => {
  // Wall-clock milliseconds are ~1.8e12: a double there resolves ~2e-4 ms, so sums of emission
  // intervals round. Every unit of the burst must still pass in the same millisecond.
  const now = 1_796_000_000_123;

  it("admits the whole burst at a wall-clock time, for every rate and burst", () => {
    const short: string[] = [];
    for (let rate = 1; rate <= 120; rate++) {
      for (const burst of [1, 2, 3, rate, 2 * rate, 7 * rate + 1]) {
        const policy = createPolicy({ name: "p", rate, periodMs: 1_000, burst });
        const tats = [0];
        const offsets = [0];
        let admitted = 0;
        while (admitted <= burst && gcraDecide(tats, [policy], 1, now, offsets) >= 0) admitted++;
        if (admitted !== burst) short.push(`rate ${rate} burst ${burst}: ${admitted}`);
      }
    }
    expect(short).toEqual([]);
  });

  it("admits a cost of exactly the burst and refuses one more unit", () => {
    for (const rate of [3, 6, 7, 11, 13, 17, 33]) {
      const policy = createPolicy({ name: "p", rate, periodMs: 1_000, burst: 2 * rate });
      const tats = [0];
      const offsets = [0];
      expect(gcraDecide(tats, [policy], 2 * rate, now, offsets)).toBe(0);
      expect(gcraDecide(tats, [policy], 1, now, offsets)).toBe(-1);
    }
  });

  it("gives a unit back after exactly one emission interval, not before", () => {
    const policy = createPolicy({ name: "p", rate: 7, periodMs: 1_000, burst: 14 });
    const tats = [0];
    const offsets = [0];
    for (let i = 0; i < 14; i++) gcraDecide(tats, [policy], 1, now, offsets);
    expect(gcraDecide(tats, [policy], 1, now + policy.emissionMs * 0.9, offsets)).toBe(-1);
    expect(gcraDecide(tats, [policy], 1, now + policy.emissionMs, offsets)).toBe(0);
  });
});
