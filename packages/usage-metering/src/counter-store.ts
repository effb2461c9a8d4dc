/** @module Shared period counters for quota checks: the contract, and the single-process memory store. */

/** Units of one meter added for a tenant in the period starting at `periodStartMs`. */
export interface PeriodDelta {
  tenantId: string;
  meter: string;
  periodStartMs: number;
  n: number;
}

/**
 * Period totals per (tenant, meter) shared by every node, so a quota check on one node sees the
 * traffic of the others within one flush. Only ever incremented (never read-modify-write). Postgres
 * stays the record for billing; this store only makes checks cheap and cross-node.
 */
export interface CounterStore {
  add(deltas: readonly PeriodDelta[]): Promise<void>;
  /** Totals per meter of one tenant's period; meters never incremented are absent. */
  get(tenantId: string, periodStartMs: number): Promise<Record<string, number>>;
}

/**
 * A counter store in process memory: one node, tests, the embedded default.
 *
 * @example
 * const counters = createMemoryCounterStore();
 * await counters.add([{ tenantId: "ten_1", meter: "api_calls", periodStartMs: 0, n: 5 }]);
 * await counters.get("ten_1", 0); // { api_calls: 5 }
 */
export function createMemoryCounterStore(): CounterStore {
  const totals = new Map<string, Record<string, number>>();
  return {
    async add(deltas) {
      for (const d of deltas) {
        const key = `${d.tenantId}\u0000${d.periodStartMs}`;
        const meters = totals.get(key) ?? {};
        meters[d.meter] = (meters[d.meter] ?? 0) + d.n;
        totals.set(key, meters);
      }
    },
    async get(tenantId, periodStartMs) {
      return { ...(totals.get(`${tenantId}\u0000${periodStartMs}`) ?? {}) };
    },
  };
}
