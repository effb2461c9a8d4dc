/** @module The contract every RateLimitStore passes: run by each store's test file. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPolicy } from "./policy.js";
import type { RateLimitStore } from "./store.js";

export interface StoreUnderTest {
  store: RateLimitStore;
  teardown?: () => Promise<void>;
}

// Slow refill (1 per hour): no unit comes back while a test runs, whatever the store's clock.
const slow = (name: string, burst: number) => createPolicy({ name, rate: 1, periodMs: 3_600_000, burst });

/**
 * Registers the contract suite for one store.
 *
 * @example
 * storeContract("memory", async () => ({ store: createMemoryStore() }));
 */
export function storeContract(name: string, setup: () => Promise<StoreUnderTest>): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    let s: StoreUnderTest;
    let n = 0;
    const key = () => `k${++n}-${Math.random().toString(36).slice(2)}`;
    beforeAll(async () => {
      s = await setup();
    });
    afterAll(async () => {
      await s.store.close?.();
      await s.teardown?.();
    });

    it("admits a fresh key's whole burst, then refuses", async () => {
      const ps = [slow("a", 5)];
      const k = key();
      const results = [];
      for (let i = 0; i < 7; i++) results.push(await s.store.decide(k, ps, 1));
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false]);
      const emission = ps[0]!.emissionMs;
      // After i units, tat - now is i emission intervals (less the few ms the test took).
      expect(results[0]!.offsetsMs[0]).toBeGreaterThan(emission - 60_000);
      expect(results[0]!.offsetsMs[0]).toBeLessThanOrEqual(emission + 1);
      expect(results[4]!.offsetsMs[0]).toBeGreaterThan(5 * emission - 60_000);
    });

    it("admits the whole burst at wall-clock times for rates whose interval does not divide evenly", async () => {
      for (const [rate, burst] of [
        [6, 1],
        [7, 14],
        [11, 11],
        [51, 358],
      ] as const) {
        const ps = [createPolicy({ name: "odd", rate, periodMs: 1_000, burst })];
        const k = key();
        const started = Date.now();
        let admitted = 0;
        while ((await s.store.decide(k, ps, 1)).allowed) admitted++;
        // Units refilled while the loop ran may add to the burst, never fewer than the burst.
        const refilled = Math.ceil((Date.now() - started) / ps[0]!.emissionMs);
        expect(admitted).toBeGreaterThanOrEqual(burst);
        expect(admitted).toBeLessThanOrEqual(burst + refilled);
      }
    });

    it("charges the cost, and a refused request charges nothing", async () => {
      const ps = [slow("c", 10)];
      const k = key();
      expect((await s.store.decide(k, ps, 7)).allowed).toBe(true);
      expect((await s.store.decide(k, ps, 4)).allowed).toBe(false);
      expect((await s.store.decide(k, ps, 3)).allowed).toBe(true);
      expect((await s.store.decide(k, ps, 1)).allowed).toBe(false);
    });

    it("never admits a cost larger than the burst", async () => {
      const r = await s.store.decide(key(), [slow("big", 3)], 4);
      expect(r.allowed).toBe(false);
    });

    it("decides several policies all or nothing", async () => {
      const ps = [slow("wide", 5), slow("narrow", 3)];
      const k = key();
      const allowed = [];
      for (let i = 0; i < 5; i++) allowed.push((await s.store.decide(k, ps, 1)).allowed);
      expect(allowed).toEqual([true, true, true, false, false]);
      // The refusals by "narrow" did not consume "wide": exactly 2 units are left there.
      const wideOnly = [ps[0]!];
      const more = [];
      for (let i = 0; i < 3; i++) more.push((await s.store.decide(k, wideOnly, 1)).allowed);
      expect(more).toEqual([true, true, false]);
    });

    it("keeps keys independent", async () => {
      const ps = [slow("t", 2)];
      const [a, b] = [key(), key()];
      for (let i = 0; i < 5; i++) await s.store.decide(a, ps, 1);
      expect((await s.store.decide(a, ps, 1)).allowed).toBe(false);
      expect((await s.store.decide(b, ps, 1)).allowed).toBe(true);
      expect((await s.store.decide(b, ps, 1)).allowed).toBe(true);
      expect((await s.store.decide(b, ps, 1)).allowed).toBe(false);
    });

    it("admits exactly the burst under 200 concurrent calls", async () => {
      const ps = [slow("conc", 20)];
      const k = key();
      const results = await Promise.all(Array.from({ length: 200 }, () => s.store.decide(k, ps, 1)));
      expect(results.filter((r) => r.allowed)).toHaveLength(20);
    });

    it("leases at most half of what is left, so leases shrink to nothing near the limit", async () => {
      const ps = [slow("lease", 10)];
      const k = key();
      const got = [];
      for (let i = 0; i < 5; i++) {
        const r = await s.store.decide(k, ps, 1, 8);
        got.push(r.allowed ? r.leased : -1);
      }
      // 10 units: 1 + 4 leased (half of 9, rounded down), 1 + 2 of 5, 1 + 0 of 1... then nothing.
      expect(got).toEqual([4, 2, 0, 0, -1]);
    });

    it("takes back units with a negative cost, never beyond a full bucket", async () => {
      const ps = [slow("refund", 10)];
      const k = key();
      expect((await s.store.decide(k, ps, 5)).allowed).toBe(true);
      expect((await s.store.decide(k, ps, -3)).allowed).toBe(true);
      expect((await s.store.decide(k, ps, 8)).allowed).toBe(true);
      expect((await s.store.decide(k, ps, 1)).allowed).toBe(false);
      const fresh = key();
      await s.store.decide(fresh, ps, -5);
      expect((await s.store.decide(fresh, ps, 11)).allowed).toBe(false);
      expect((await s.store.decide(fresh, ps, 10)).allowed).toBe(true);
    });

    it("never admits a second burst across a window edge", async () => {
      // 20/s, burst 5, hammered for 1.2 s in real time. For every pair of admissions i <= j, the
      // admissions between them are at most burst + rate x (time from i's start to j's answer):
      // a fixed-window counter would admit 2 x burst around its edge and fail this.
      const ps = [createPolicy({ name: "edge", rate: 20, periodMs: 1_000, burst: 5 })];
      const k = key();
      const admitted: { start: number; end: number }[] = [];
      const stop = Date.now() + 1_200;
      while (Date.now() < stop) {
        const start = performance.now();
        const r = await s.store.decide(k, ps, 1);
        if (r.allowed) admitted.push({ start, end: performance.now() });
        else await new Promise((done) => setTimeout(done, 2));
      }
      for (let i = 0; i < admitted.length; i++) {
        for (let j = i; j < admitted.length; j++) {
          const spanMs = admitted[j]!.end - admitted[i]!.start;
          expect(j - i + 1).toBeLessThanOrEqual(5 + Math.floor((20 * spanMs) / 1_000) + 1);
        }
      }
      expect(admitted.length).toBeGreaterThanOrEqual(5 + 10); // it did refill (loosely: the machine may stall)
    });

    it("refills at the rate", async () => {
      // 20 per second (a unit per 50 ms), burst 4. Spend it all, wait at least 120 ms: at least 2
      // units are back; no more than the time really elapsed allows (the machine may be slow).
      const ps = [createPolicy({ name: "fast", rate: 20, periodMs: 1_000, burst: 4 })];
      const k = key();
      const t0 = Date.now();
      expect((await s.store.decide(k, ps, 4)).allowed).toBe(true);
      await new Promise((r) => setTimeout(r, 120));
      const again = await Promise.all(Array.from({ length: 10 }, () => s.store.decide(k, ps, 1)));
      const elapsed = Date.now() - t0;
      const n = again.filter((r) => r.allowed).length;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(Math.min(4, Math.floor(elapsed / 50)));
    });
  });
}
