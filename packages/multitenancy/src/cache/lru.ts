/** @module A small LRU map with a TTL per entry, the storage under the tenant and API key caches. */

interface Entry<V> {
  value: V;
  expiresAt: number;
  /** The recency clock when this entry last moved to the newest end of the map. */
  seq: number;
}

/**
 * LRU with per-entry expiry. `get` refreshes recency; expired entries read as absent and are dropped.
 *
 * @example
 * const lru: LruCache<string> = createLruCache(100, Date.now);
 */
export interface LruCache<V> {
  get(key: string): V | undefined;
  /** True when `get` would return an entry (including a cached `undefined`, i.e. a negative entry). */
  has(key: string): boolean;
  set(key: string, value: V, ttlMs: number): void;
  delete(key: string): boolean;
  clear(): void;
  readonly size: number;
  /** Entries pushed out by the size bound (not counting expiry). */
  readonly evictions: number;
}

/**
 * Creates an LRU cache. A JS Map iterates in insertion order, so re-inserting a key on a hit keeps
 * the least recently used entry first: eviction is `keys().next()`, O(1). A hit on an entry already
 * in the newest half of the map leaves it where it is (re-inserting costs two hash operations on
 * every request of a hot key, and the entry would not be next to go anyway); an entry in the older
 * half moves to the newest end, so an entry still in use is never the one evicted.
 *
 * @param maxEntries the size bound (at least 1)
 * @param now the clock in milliseconds
 * @example
 * const lru = createLruCache<string>(1000, Date.now);
 * lru.set("a", "x", 60_000);
 */
export function createLruCache<V>(maxEntries: number, now: () => number): LruCache<V> {
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new Error("maxEntries must be a positive integer");
  const map = new Map<string, Entry<V>>();
  let evictions = 0;
  // Entries are ordered by `seq` in the map: `clock - seq - 1` entries have moved after this one.
  let clock = 0;
  const live = (key: string): Entry<V> | undefined => {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    get(key) {
      const entry = live(key);
      if (!entry) return undefined;
      if ((clock - entry.seq - 1) * 2 >= map.size) {
        map.delete(key);
        map.set(key, entry);
        entry.seq = clock++;
      }
      return entry.value;
    },
    has: (key) => live(key) !== undefined,
    set(key, value, ttlMs) {
      map.delete(key);
      map.set(key, { value, expiresAt: now() + ttlMs, seq: clock++ });
      while (map.size > maxEntries) {
        const oldest = map.keys().next().value as string;
        map.delete(oldest);
        evictions++;
      }
    },
    delete: (key) => map.delete(key),
    clear: () => map.clear(),
    get size() {
      return map.size;
    },
    get evictions() {
      return evictions;
    },
  };
}
