import { describe, expect, it } from "vitest";
import { createMemoryStore } from "./memory-store.js";
import { createPolicy } from "./policy.js";
import { storeContract } from "./store.contract.js";

storeContract("memory", async () => ({ store: createMemoryStore() }));

describe("memory store", () => {
  const policy = createPolicy({ name: "p", rate: 10, periodMs: 1_000, burst: 20 });

  it("forgets a key once its bucket is full again", async () => {
    let now = 1_000_000;
    const store = createMemoryStore({ clock: () => now });
    await store.decide("a", [policy], 5);
    expect(store.size).toBe(1);
    now += 501; // 5 units at 100 ms each are back
    await store.decide("b", [policy], 1);
    expect(store.size).toBe(1);
  });

  it("never holds more than maxKeys", async () => {
    const store = createMemoryStore({ maxKeys: 50, clock: () => 0 });
    for (let i = 0; i < 500; i++) await store.decide(`k${i}`, [policy], 1);
    expect(store.size).toBeLessThanOrEqual(50);
  });

  it("admits exactly burst + rate x time, and never two bursts across any edge", async () => {
    // A property over simulated time: in every interval [t_i, t_j] between two admissions, the
    // admissions number at most burst + rate x (t_j - t_i). A fixed window would admit two bursts
    // around its edge; GCRA must not.
    let now = 0;
    const store = createMemoryStore({ clock: () => now });
    const admitted: number[] = [];
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    while (now < 10_000) {
      const burst = random() < 0.05 ? 50 : 1;
      for (let i = 0; i < burst; i++)
        if ((await store.decide("edge", [policy], 1)).allowed) admitted.push(now);
      now += random() * 40;
    }
    const perMs = policy.rate / policy.periodMs;
    for (let i = 0; i < admitted.length; i++) {
      for (let j = i; j < admitted.length; j++) {
        expect(j - i + 1).toBeLessThanOrEqual(policy.burst + perMs * (admitted[j]! - admitted[i]!) + 1e-9);
      }
    }
    // And over the whole run the limiter admitted (almost) all it could: within 1%.
    const ideal = policy.burst + perMs * (admitted.at(-1)! - admitted[0]!);
    expect(admitted.length).toBeGreaterThanOrEqual(Math.floor(ideal * 0.99));
  });
});
