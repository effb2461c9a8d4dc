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
 * traffic of the others within one flush. Only ever incremented between resets (never
 * read-modify-write). Postgres stays the record for billing; this store only makes checks cheap
 * and cross-node, and `reset` puts it back in line with Postgres.
 */
export interface CounterStore {
  /**
   * Adds the deltas. A tenant's deltas of one `flushId` are added at most once: sending them again
   * (a retry after a lost reply) changes nothing.
   */
  add(deltas: readonly PeriodDelta[], flushId: string): Promise<void>;
  /** Totals per meter of one tenant's period; meters never incremented are absent. */
  get(tenantId: string, periodStartMs: number): Promise<Record<string, number>>;
  /** Replaces a tenant's period totals with `totals` (read from Postgres). */
  reset(tenantId: string, periodStartMs: number, totals: Record<string, number>): Promise<void>;
}

/** Flush ids a memory store remembers per process: far more than are ever retried. */
const REMEMBERED_FLUSHES = 100_000;

/**
 * A counter store in process memory: one node, tests, the embedded default.
 *
 * @example
 * const counters = createMemoryCounterStore();
 * await counters.add([{ tenantId: "ten_1", meter: "api_calls", periodStartMs: 0, n: 5 }], "fl_1");
 * await counters.get("ten_1", 0); // { api_calls: 5 }
 */
export function createMemoryCounterStore(): CounterStore {
  const totals = new Map<string, Record<string, number>>();
  const applied = new Set<string>();
  return {
    async add(deltas, flushId) {
      for (const d of deltas) {
        const once = `${d.tenantId}\u0000${flushId}`;
        if (applied.has(once)) continue;
        const key = `${d.tenantId}\u0000${d.periodStartMs}`;
        const meters = totals.get(key) ?? {};
        meters[d.meter] = (meters[d.meter] ?? 0) + d.n;
        totals.set(key, meters);
      }
      for (const d of deltas) applied.add(`${d.tenantId}\u0000${flushId}`);
      for (const id of applied) {
        if (applied.size <= REMEMBERED_FLUSHES) break;
        applied.delete(id);
      }
    },
    async get(tenantId, periodStartMs) {
      return { ...(totals.get(`${tenantId}\u0000${periodStartMs}`) ?? {}) };
    },
    async reset(tenantId, periodStartMs, next) {
      totals.set(`${tenantId}\u0000${periodStartMs}`, { ...next });
    },
  };
}
