/** The contract every CounterStore keeps; each implementation's test runs it. */
import { describe, expect, it } from "vitest";
import type { CounterStore } from "./counter-store.js";

export function counterStoreContract(name: string, make: () => CounterStore | Promise<CounterStore>): void {
  describe(`CounterStore contract: ${name}`, () => {
    it("adds deltas per tenant, meter and period, starting from nothing", async () => {
      const store = await make();
      expect(await store.get("ten_a", 0)).toEqual({});
      await store.add([
        { tenantId: "ten_a", meter: "api_calls", periodStartMs: 0, n: 5 },
        { tenantId: "ten_a", meter: "tokens", periodStartMs: 0, n: 7 },
        { tenantId: "ten_a", meter: "api_calls", periodStartMs: 1_000, n: 1 },
        { tenantId: "ten_b", meter: "api_calls", periodStartMs: 0, n: 2 },
      ]);
      await store.add([{ tenantId: "ten_a", meter: "api_calls", periodStartMs: 0, n: 3 }]);
      expect(await store.get("ten_a", 0)).toEqual({ api_calls: 8, tokens: 7 });
      expect(await store.get("ten_a", 1_000)).toEqual({ api_calls: 1 });
      expect(await store.get("ten_b", 0)).toEqual({ api_calls: 2 });
    });

    it("loses no increment under many concurrent adds", async () => {
      const store = await make();
      await Promise.all(
        Array.from({ length: 200 }, () =>
          store.add([{ tenantId: "ten_c", meter: "api_calls", periodStartMs: 0, n: 1 }]),
        ),
      );
      expect(await store.get("ten_c", 0)).toEqual({ api_calls: 200 });
    });
  });
}
