import { createTestRedis, redisAvailable } from "@org/test-services";
import { chaosScale } from "@org/vitest-config";
import { afterAll, describe, expect, it } from "vitest";
import { runAccuracy } from "./accuracy.js";

const durationMs = chaosScale() === "full" ? 10_000 : 3_000;

const available = await redisAvailable();
const t = createTestRedis();
afterAll(() => t.cleanup());

describe.runIf(available)("accuracy across processes", () => {
  it.each([
    ["every admission decided in Redis", 0],
    ["with leases of up to 16 units", 16],
    ["with leases of up to 1024 units (the benchmark's)", 1024],
  ])(
    `4 processes hammering one key for ${durationMs / 1000} s admit within 1%% of rate x time + burst, never more: %s`,
    async (_, leaseUnits) => {
      const r = await runAccuracy({
        leaseUnits,
        redisUrl: t.url,
        prefix: t.prefix,
        processes: 4,
        durationMs,
        rate: 200,
        periodMs: 1_000,
        burst: 100,
      });
      console.log(`accuracy (${durationMs} ms):`, r);
      expect(r.fallbacks).toBe(0);
      expect(r.attempts).toBeGreaterThan(r.ideal * 2); // the key really was hammered
      expect(r.allowed).toBeLessThanOrEqual(Math.floor(r.ideal) + 1);
      // Lower bound: what Redis must have admitted by its last refusal. (A bound from the wall-clock
      // window fails on a loaded machine: a process descheduled near the end misses tokens.)
      expect(r.refusedWindowMs).toBeGreaterThan(durationMs * 0.8);
      expect(r.allowed).toBeGreaterThanOrEqual(r.idealRefused * 0.99);
    },
    90_000,
  );
});
