/** @module Keeping the shared period counters (Redis) in step with what Postgres stored. */
import type { Database } from "@org/db";
import { backoffDelayMs } from "./backoff.js";
import type { CounterStore, PeriodDelta } from "./counter-store.js";
import type { Meter } from "./meters.js";
import { periodTotals } from "./queries.js";
import type { Period } from "./time.js";

/** Attempts to add one flush to the shared counters before leaving it to the next reset. */
const SHARE_ATTEMPTS = 5;

/** Units stored for a tenant's meter at an instant. */
export interface StoredDelta {
  tenantId: string;
  meter: string;
  atMs: number;
  n: number;
}

export interface SharedCountersOptions {
  db: Database;
  counters?: CounterStore;
  meters: readonly Meter[];
  /** The additive meters: the only ones the shared counters hold. */
  counterMeters: ReadonlySet<string>;
  periodOf: (tenantId: string, nowMs: number) => Period | Promise<Period>;
  /** The tenant's period if the entitlement cache holds it (saves a `periodOf` call). */
  periodOfCached: (tenantId: string) => Period | undefined;
  clock: () => number;
  onError: (error: unknown) => void;
}

/** The shared counters' two writes: add what was stored, and reset to the Postgres totals. */
export function createSharedCounters(options: SharedCountersOptions) {
  const { db, counters, meters, counterMeters, periodOf, periodOfCached, clock, onError } = options;
  /** Tenants counted for since the last reset of their shared counters. */
  const toReset = new Set<string>();

  async function byPeriod(deltas: readonly StoredDelta[]): Promise<PeriodDelta[]> {
    const byKey = new Map<string, PeriodDelta>();
    for (const d of deltas) {
      const period = periodOfCached(d.tenantId) ?? (await periodOf(d.tenantId, clock()));
      if (d.atMs < period.start || d.atMs >= period.end) continue; // only the current period is checked
      const key = `${d.tenantId}\u0000${d.meter}\u0000${period.start}`;
      const found = byKey.get(key);
      if (found) found.n += d.n;
      else byKey.set(key, { tenantId: d.tenantId, meter: d.meter, periodStartMs: period.start, n: d.n });
    }
    return [...byKey.values()];
  }

  /**
   * Adds stored units to the shared counters of the period they belong to, under the id of the
   * write that stored them, so retrying (a lost reply) never adds twice. Best effort after a few
   * attempts: Postgres is the record and the next reset repairs the counters.
   */
  async function share(deltas: readonly StoredDelta[], flushId: string): Promise<void> {
    if (!counters || deltas.length === 0) return;
    const periodDeltas = await byPeriod(deltas);
    // Marked after the add lands (or finally fails): a reset that ran before it then runs again after.
    const mark = () => {
      for (const d of periodDeltas) toReset.add(d.tenantId);
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await counters.add(periodDeltas, flushId);
        return mark();
      } catch (error) {
        if (attempt >= SHARE_ATTEMPTS) {
          mark();
          throw error;
        }
        onError(error);
        await new Promise((r) => setTimeout(r, backoffDelayMs(attempt, { baseMs: 200, maxMs: 5_000 })));
      }
    }
  }

  /**
   * Replaces the shared counters of `tenantIds` (default: every tenant counted for since the last
   * reset) with their current-period totals in Postgres. A flush of another node landing between
   * the read and the write may be counted twice or not at all until the next reset.
   */
  async function reset(tenantIds: Iterable<string> = [...toReset]): Promise<void> {
    if (!counters) return;
    for (const tenantId of tenantIds) {
      toReset.delete(tenantId);
      const period = await periodOf(tenantId, clock());
      const totals = await periodTotals(db, tenantId, meters, period);
      const shared: Record<string, number> = {};
      for (const [meter, n] of Object.entries(totals))
        if (counterMeters.has(meter) && n > 0) shared[meter] = n;
      await counters.reset(tenantId, period.start, shared);
    }
  }

  return { share, reset };
}

export type SharedCounters = ReturnType<typeof createSharedCounters>;
