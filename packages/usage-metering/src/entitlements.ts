/** @module Cached quota and feature checks: no database round trip on a cache hit. */
import type { CounterBuffer } from "./counter-buffer.js";
import type { CounterStore } from "./counter-store.js";
import { isAdditive, type Meters } from "./meters.js";
import type { Plan, PlanProvider } from "./plans.js";
import type { Period } from "./time.js";

/** The answer of `check(tenant, feature)`; the HTTP body of `GET /v1/entitlements/:feature`. */
export interface Entitlement {
  feature: string;
  allowed: boolean;
  /** The plan's included quantity (meters with a quota only). */
  limit?: number;
  used?: number;
  remaining?: number;
}

interface Entry {
  plan: Plan;
  period: Period;
  /** Stored period totals (Postgres), kept current by the flushes and ingests of this node. */
  stored: Record<string, number>;
  /** Totals of the shared counter store (all nodes), refreshed after each flush. */
  shared: Record<string, number>;
  loadedAtMs: number;
  reloading: boolean;
}

export interface EntitlementCacheOptions {
  meters: Meters;
  planFor: PlanProvider;
  periodOf: (tenantId: string, nowMs: number) => Period | Promise<Period>;
  /** Reads the stored period totals without counting buffered cells twice. */
  loadTotals: (tenantId: string, period: Period) => Promise<Record<string, number>>;
  buffer: CounterBuffer;
  counters?: CounterStore;
  clock: () => number;
  /** After this long an entry is reloaded from Postgres in the background (plan changes, other nodes). */
  ttlMs: number;
  onError: (error: unknown) => void;
}

/**
 * Per-tenant cache behind `check()`. A hit costs a map lookup and a scan of this tenant's buffered
 * minutes; a miss loads the plan, the period and the stored totals once (concurrent misses share the
 * load). Flushes and ingests add what they stored, and after each flush the shared counters (Redis)
 * are re-read, so other nodes' traffic shows up within about one flush interval.
 */
export function createEntitlementCache(options: EntitlementCacheOptions) {
  const { meters, buffer, counters } = options;
  const { entries, entryFor } = createEntries(options);

  /**
   * Whether the tenant may use `feature` (a meter or a boolean feature of its plan). `plan`, when the
   * caller already knows it (a resolved tenant), is used as it is: `planFor` is not asked.
   *
   * @example
   * const { allowed, remaining } = await check("ten_1", "api_calls");
   */
  async function check(tenantId: string, feature: string, plan?: Plan): Promise<Entitlement> {
    const pending = entryFor(tenantId, plan);
    const entry = pending instanceof Promise ? await pending : pending;
    return decide(meters, buffer, entry, tenantId, feature, plan ?? entry.plan);
  }

  /**
   * The same answer as {@link check} when the tenant is cached, without a promise; `undefined` when it
   * is not (a load has then started, and `check()` joins it). For hot paths that check every request.
   *
   * @example
   * const entitlement = checkCached("ten_1", "api_calls") ?? (await check("ten_1", "api_calls"));
   */
  function checkCached(tenantId: string, feature: string, plan?: Plan): Entitlement | undefined {
    const entry = entryFor(tenantId, plan);
    return entry instanceof Promise
      ? undefined
      : decide(meters, buffer, entry, tenantId, feature, plan ?? entry.plan);
  }

  /** Units now stored in Postgres (a flush or an ingest): keeps cached totals current without a read. */
  function stored(tenantId: string, meter: string, atMs: number, n: number): void {
    const entry = entries.get(tenantId);
    if (entry && atMs >= entry.period.start && atMs < entry.period.end) {
      entry.stored[meter] = (entry.stored[meter] ?? 0) + n;
    }
  }

  /** Re-reads the shared counters of the given cached tenants (after a flush). */
  async function refreshShared(tenantIds: Iterable<string>): Promise<void> {
    if (!counters) return;
    await Promise.all(
      [...tenantIds].map(async (tenantId) => {
        const entry = entries.get(tenantId);
        if (!entry) return;
        entry.shared = await counters.get(tenantId, entry.period.start);
      }),
    );
  }

  /** The cached period of a tenant, if any (shared counters are keyed by it). */
  const periodOfCached = (tenantId: string): Period | undefined => entries.get(tenantId)?.period;

  return {
    check,
    checkCached,
    stored,
    refreshShared,
    periodOfCached,
    /** The cached plan of a tenant; `undefined` while it is not cached (a load has then started). */
    planCached: (tenantId: string): Plan | undefined => {
      const entry = entryFor(tenantId, undefined);
      return entry instanceof Promise ? undefined : entry.plan;
    },
    invalidate: (tenantId: string) => entries.delete(tenantId),
  };
}

export type EntitlementCache = ReturnType<typeof createEntitlementCache>;

/**
 * The cache's entries and how they are found: a fresh entry as it is, a stale one as it is while a
 * reload runs in the background, a missing or past-period one through a load that concurrent
 * callers share.
 */
function createEntries(options: EntitlementCacheOptions) {
  const { planFor, periodOf, loadTotals, counters, clock, ttlMs, onError } = options;
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<Entry>>();

  async function load(tenantId: string, knownPlan: Plan | undefined): Promise<Entry> {
    const now = clock();
    const [plan, period] = await Promise.all([knownPlan ?? planFor(tenantId), periodOf(tenantId, now)]);
    const shared = counters ? await counters.get(tenantId, period.start) : {};
    // Stored last, and the entry published in the same continuation: a flush that commits after this
    // read adds itself to the published entry through stored(), so no flush is missed or counted twice.
    const stored = await loadTotals(tenantId, period);
    const entry: Entry = { plan, period, stored, shared, loadedAtMs: now, reloading: false };
    entries.set(tenantId, entry);
    return entry;
  }

  function entryFor(tenantId: string, knownPlan: Plan | undefined): Entry | Promise<Entry> {
    const entry = entries.get(tenantId);
    const now = clock();
    if (entry && now < entry.period.end) {
      if (now - entry.loadedAtMs > ttlMs && !entry.reloading) {
        entry.reloading = true;
        load(tenantId, knownPlan).catch((error) => {
          entry.reloading = false;
          onError(error);
        });
      }
      return entry;
    }
    let pendingLoad = loading.get(tenantId);
    if (!pendingLoad) {
      pendingLoad = load(tenantId, knownPlan).finally(() => loading.delete(tenantId));
      loading.set(tenantId, pendingLoad);
    }
    return pendingLoad;
  }

  return { entries, entryFor };
}

/** The answer for one tenant's feature from its cache entry, buffered counts included. */
function decide(
  meters: Meters,
  buffer: CounterBuffer,
  entry: Entry,
  tenantId: string,
  feature: string,
  plan: Plan,
): Entitlement {
  const meter = meters.get(feature);
  const terms = plan.meters[feature];
  if (meter && terms) {
    const buffered = isAdditive(meter)
      ? buffer.pendingSum(tenantId, feature, entry.period.start, entry.period.end)
      : 0;
    const used = Math.max(entry.stored[feature] ?? 0, entry.shared[feature] ?? 0) + buffered;
    const remaining = Math.max(0, terms.included - used);
    return {
      feature,
      allowed: terms.limit === "soft" || used < terms.included,
      limit: terms.included,
      used,
      remaining,
    };
  }
  // A meter without terms in the plan has no quota; otherwise a boolean feature, absent = not available.
  if (meter) return { feature, allowed: true };
  return { feature, allowed: plan.features[feature] === true };
}
