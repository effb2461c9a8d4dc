import { describe, expect, it } from "vitest";
import type { HttpLoadResult } from "./http-load.js";
import { interleave, median } from "./interleave.js";

const result = (rps: number, p99Ms: number, non2xx = 0, serverCpuUs?: number): HttpLoadResult => ({
  serverCpuUs,
  tool: "wrk",
  requests: rps,
  rps,
  p50Ms: p99Ms / 2,
  p99Ms,
  non2xx,
  errors: 0,
});

describe("interleave", () => {
  it("alternates the loads and takes medians of the per-round ratios", async () => {
    const order: string[] = [];
    // The machine slows down in round 2: both loads halve, their ratio does not move.
    const bare = [result(1000, 2, 0, 20), result(500, 4, 0, 20), result(1000, 2, 0, 22)];
    const mw = [result(700, 3, 1, 25), result(350, 6, 1, 40), result(800, 3, 1, 27.5)];
    const next = (name: string, runs: HttpLoadResult[]) => async () => {
      order.push(name);
      return runs[order.filter((o) => o === name).length - 1]!;
    };
    const r = await interleave({ bare: next("bare", bare), mw: next("mw", mw) }, 3);
    expect(order).toEqual(["bare", "mw", "bare", "mw", "bare", "mw"]);
    expect(r.bare.ratio).toBe(1);
    expect(r.mw.ratio).toBeCloseTo(0.7); // rounds: 0.7, 0.7, 0.8
    expect(r.mw.p99Ratio).toBeCloseTo(1.5);
    expect(r.mw.rps).toBe(700);
    expect(r.mw.non2xx).toBe(3);
    expect(r.mw.serverCpuUs).toBe(27.5);
    expect(r.mw.cpuRatio).toBeCloseTo(0.8); // 0.8, 0.5, 0.8
  });

  it("median of odd and even counts; nothing to measure is an error", async () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    await expect(interleave({}, 1)).rejects.toThrow(/at least one/);
  });
});
