/** The contract every CounterStore keeps; each implementation's test runs it. */
import { describe, expect, it } from "vitest";
import type { CounterStore } from "./counter-store.js";

export function counterStoreContract(name: string, make: () => CounterStore | Promise<CounterStore>): void {
  describe(`CounterStore contract: ${name}`, () => {
    it("adds deltas per tenant, meter and period, starting from nothing", async () => {
      const store = await make();
      expect(await store.get("ten_a", 0)).toEqual({});
      await store.add(
        [
          { tenantId: "ten_a", meter: "api_calls", periodStartMs: 0, n: 5 },
          { tenantId: "ten_a", meter: "tokens", periodStartMs: 0, n: 7 },
          { tenantId: "ten_a", meter: "api_calls", periodStartMs: 1_000, n: 1 },
          { tenantId: "ten_b", meter: "api_calls", periodStartMs: 0, n: 2 },
        ],
        "fl_1",
      );
      await store.add([{ tenantId: "ten_a", meter: "api_calls", periodStartMs: 0, n: 3 }], "fl_2");
      expect(await store.get("ten_a", 0)).toEqual({ api_calls: 8, tokens: 7 });
      expect(await store.get("ten_a", 1_000)).toEqual({ api_calls: 1 });
      expect(await store.get("ten_b", 0)).toEqual({ api_calls: 2 });
    });

    it("loses no increment under many concurrent adds", async () => {
      const store = await make();
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          store.add([{ tenantId: "ten_c", meter: "api_calls", periodStartMs: 0, n: 1 }], `fl_${i}`),
        ),
      );
      expect(await store.get("ten_c", 0)).toEqual({ api_calls: 200 });
    });

    it("adds a tenant's deltas of one flush id once, however often (and concurrently) they are sent", async () => {
      const store = await make();
      const deltas = [
        { tenantId: "ten_d", meter: "api_calls", periodStartMs: 0, n: 5 },
        { tenantId: "ten_d", meter: "tokens", periodStartMs: 0, n: 7 },
        { tenantId: "ten_e", meter: "api_calls", periodStartMs: 0, n: 1 },
      ];
      await Promise.all(Array.from({ length: 20 }, () => store.add(deltas, "fl_same")));
      await store.add([{ tenantId: "ten_e", meter: "api_calls", periodStartMs: 0, n: 1 }], "fl_same");
      expect(await store.get("ten_d", 0)).toEqual({ api_calls: 5, tokens: 7 });
      expect(await store.get("ten_e", 0)).toEqual({ api_calls: 1 });
      await store.add(deltas, "fl_other");
      expect(await store.get("ten_d", 0)).toEqual({ api_calls: 10, tokens: 14 });
    });

    it("reset replaces a tenant's period totals and later adds count from there", async () => {
      const store = await make();
      await store.add([{ tenantId: "ten_r", meter: "api_calls", periodStartMs: 0, n: 99 }], "fl_r1");
      await store.reset("ten_r", 0, { api_calls: 40, tokens: 2 });
      expect(await store.get("ten_r", 0)).toEqual({ api_calls: 40, tokens: 2 });
      await store.add([{ tenantId: "ten_r", meter: "api_calls", periodStartMs: 0, n: 1 }], "fl_r2");
      expect(await store.get("ten_r", 0)).toEqual({ api_calls: 41, tokens: 2 });
      await store.reset("ten_r", 0, {});
      expect(await store.get("ten_r", 0)).toEqual({});
    });
  });
}
