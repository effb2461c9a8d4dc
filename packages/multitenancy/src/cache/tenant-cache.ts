/** @module The tenant cache: LRU + TTL, negative entries, single-flight loads, invalidation by bus. */
import type { ResolvedTenant } from "../tenant.js";
import type { Invalidation, InvalidationBus } from "./bus.js";
import { createLruCache, type LruCache } from "./lru.js";

/**
 * Where the cache reads tenants from on a miss (usually {@link createTenantLoader}).
 *
 * @example
 * createTenantCache({ loader: createTenantLoader(db) });
 */
export interface TenantLoader {
  bySlug(slug: string): Promise<ResolvedTenant | undefined>;
  byId(id: string): Promise<ResolvedTenant | undefined>;
}

/**
 * Counters since creation. `hitRate` = hits / lookups (0 when there were none).
 *
 * @example
 * const { hitRate, loads } = cache.metrics();
 */
export interface TenantCacheMetrics {
  lookups: number;
  hits: number;
  negativeHits: number;
  misses: number;
  /** Database reads actually made (misses joined to an in-flight read do not count). */
  loads: number;
  invalidations: number;
  evictions: number;
  size: number;
  hitRate: number;
}

/**
 * One cache event, for metrics.
 *
 * @example
 * createTenantCache({ loader, onEvent: (e) => e.type === "hit" && hits.inc() });
 */
export type TenantCacheEvent =
  | { type: "hit" | "negative_hit" | "miss"; key: string }
  | { type: "load"; key: string; durationMs: number; found: boolean }
  | { type: "invalidate"; message: Invalidation };

/**
 * Options of {@link createTenantCache}.
 *
 * @example
 * createTenantCache({ loader, bus, ttlMs: 300_000, negativeTtlMs: 5_000 });
 */
export interface TenantCacheOptions {
  loader: TenantLoader;
  /** Invalidations from other nodes arrive here; omit for a cache that only invalidates itself. */
  bus?: InvalidationBus;
  /** @default 300_000 (5 minutes) */
  ttlMs?: number;
  /** How long an unknown slug or id is remembered as unknown. @default 5_000 */
  negativeTtlMs?: number;
  /** @default 10_000 */
  maxEntries?: number;
  /** @default Date.now */
  now?: () => number;
  /** Called on every hit, miss, load and invalidation (e.g. to feed Prometheus counters). */
  onEvent?: (event: TenantCacheEvent) => void;
}

/**
 * A cache of tenants by slug and by id.
 *
 * @example
 * const tenant = await cache.bySlug("acme");
 */
export interface TenantCache {
  bySlug(slug: string): Promise<ResolvedTenant | undefined>;
  byId(id: string): Promise<ResolvedTenant | undefined>;
  /**
   * `bySlug()` answered from the cache alone, without a promise: the tenant, `null` for a known
   * absence, `undefined` when the cache does not know (then call `bySlug()`, which counts the miss).
   */
  cachedBySlug(slug: string): ResolvedTenant | null | undefined;
  /** `byId()` from the cache alone, like {@link TenantCache.cachedBySlug}. */
  cachedById(id: string): ResolvedTenant | null | undefined;
  /** Drops what the message names on this node only (the bus calls this on every node). */
  invalidateLocal(message: Invalidation): void;
  metrics(): TenantCacheMetrics;
  /** Stops listening to the bus. */
  close(): void;
}

// A cached `null` is a negative entry: "we looked, there is no such tenant".
type Slot = ResolvedTenant | null;
type Load = () => Promise<ResolvedTenant | undefined>;
type OnEvent = TenantCacheOptions["onEvent"];

/** Counters behind {@link TenantCacheMetrics} (evictions and size come from the LRU). */
interface Counters {
  lookups: number;
  hits: number;
  negativeHits: number;
  misses: number;
  loads: number;
  invalidations: number;
}

/**
 * What the reader, the loader and the invalidator share. `epoch` counts invalidations: a load
 * compares it before and after to know whether its result may still enter the cache.
 */
interface CacheState {
  lru: LruCache<Slot>;
  inflight: Map<string, Promise<ResolvedTenant | undefined>>;
  counters: Counters;
  epoch: number;
}

/** The cache lookup without a load: a hit (counted as a lookup), or `undefined` counting nothing. */
function createCachedReader(state: CacheState, onEvent: OnEvent): (key: string) => Slot | undefined {
  const { lru, counters: m } = state;
  return (key) => {
    const slot = lru.get(key);
    if (slot === undefined) return undefined;
    m.lookups++;
    if (slot === null) {
      m.negativeHits++;
      onEvent?.({ type: "negative_hit", key });
    } else {
      m.hits++;
      onEvent?.({ type: "hit", key });
    }
    return slot;
  };
}

/** Stores a load's result: a tenant under both its keys, an absence under the key looked up. */
function createStore(
  lru: LruCache<Slot>,
  ttlMs: number,
  negativeTtlMs: number,
): (tenant: ResolvedTenant | undefined, key: string) => void {
  return (tenant, key) => {
    if (!tenant) {
      lru.set(key, null, negativeTtlMs);
      return;
    }
    // A tenant read by either key is cached under both, so one invalidation by id finds the slug.
    lru.set(`s:${tenant.slug}`, tenant, ttlMs);
    lru.set(`i:${tenant.id}`, tenant, ttlMs);
  };
}

/**
 * The lookup with a load on a miss, single-flight per key. A load that an invalidation overtook
 * answers its waiters but is not stored, so the invalidation is never undone.
 */
function createLookup(
  state: CacheState,
  cached: (key: string) => Slot | undefined,
  store: (tenant: ResolvedTenant | undefined, key: string) => void,
  now: () => number,
  onEvent: OnEvent,
): (key: string, load: Load) => Promise<ResolvedTenant | undefined> {
  const { inflight, counters: m } = state;
  return (key, load) => {
    const hit = cached(key);
    if (hit !== undefined) return Promise.resolve(hit ?? undefined);
    m.lookups++;
    m.misses++;
    onEvent?.({ type: "miss", key });
    const running = inflight.get(key);
    if (running) return running;
    const startedEpoch = state.epoch;
    const started = now();
    m.loads++;
    const promise = load()
      .then((tenant) => {
        onEvent?.({ type: "load", key, durationMs: now() - started, found: tenant !== undefined });
        if (state.epoch === startedEpoch) store(tenant, key);
        return tenant;
      })
      .finally(() => {
        if (inflight.get(key) === promise) inflight.delete(key);
      });
    inflight.set(key, promise);
    return promise;
  };
}

/** Drops what a message names (both keys of a cached tenant) and abandons in-flight loads. */
function createInvalidator(state: CacheState, onEvent: OnEvent): (message: Invalidation) => void {
  const { lru, inflight, counters: m } = state;
  return (message) => {
    state.epoch++;
    m.invalidations++;
    onEvent?.({ type: "invalidate", message });
    // In-flight loads may carry pre-change rows: later lookups must start a fresh read.
    inflight.clear();
    if (message.all) {
      lru.clear();
      return;
    }
    if (message.tenantId) {
      const key = `i:${message.tenantId}`;
      const known = lru.get(key);
      if (known) lru.delete(`s:${known.slug}`);
      lru.delete(key);
    }
    if (message.slug) {
      const key = `s:${message.slug}`;
      const known = lru.get(key);
      if (known) lru.delete(`i:${known.id}`);
      lru.delete(key);
    }
  };
}

/** The counters with the LRU's figures and the hit rate. */
function metricsOf({ lru, counters: m }: CacheState): TenantCacheMetrics {
  return {
    ...m,
    evictions: lru.evictions,
    size: lru.size,
    hitRate: m.lookups === 0 ? 0 : (m.hits + m.negativeHits) / m.lookups,
  };
}

/**
 * Creates a tenant cache.
 *
 * Single-flight: concurrent misses for one key share one loader call. A load that started before an
 * invalidation could return the old row after the invalidation ran; the epoch counter makes such a
 * load's result go to its waiters but not into the cache, so an invalidation is never undone.
 *
 * @example
 * const cache = createTenantCache({ loader: createTenantLoader(db), bus });
 * const tenant = await cache.bySlug("acme");
 */
export function createTenantCache(options: TenantCacheOptions): TenantCache {
  const {
    loader,
    bus,
    ttlMs = 300_000,
    negativeTtlMs = 5_000,
    maxEntries = 10_000,
    now = Date.now,
    onEvent,
  } = options;
  const state: CacheState = {
    lru: createLruCache<Slot>(maxEntries, now),
    inflight: new Map(),
    counters: { lookups: 0, hits: 0, negativeHits: 0, misses: 0, loads: 0, invalidations: 0 },
    epoch: 0,
  };
  const cached = createCachedReader(state, onEvent);
  const lookup = createLookup(state, cached, createStore(state.lru, ttlMs, negativeTtlMs), now, onEvent);
  const invalidateLocal = createInvalidator(state, onEvent);

  const unsubscribe = bus?.subscribe((message) => {
    if (message.tenantId || message.slug || message.all) invalidateLocal(message);
  });

  return {
    bySlug: (slug) => lookup(`s:${slug}`, () => loader.bySlug(slug)),
    byId: (id) => lookup(`i:${id}`, () => loader.byId(id)),
    cachedBySlug: (slug) => cached(`s:${slug}`),
    cachedById: (id) => cached(`i:${id}`),
    invalidateLocal,
    metrics: () => metricsOf(state),
    close: () => unsubscribe?.(),
  };
}
