import { describe, expect, it, vi } from "vitest";
import type { ResolvedTenant } from "../tenant.js";
import { createLocalBus } from "./bus.js";
import { createLruCache } from "./lru.js";
import { createTenantCache, type TenantLoader } from "./tenant-cache.js";

const acme: ResolvedTenant = { id: "ten_1", slug: "acme", plan: "free", status: "active" };

function loader(rows: ResolvedTenant[] = [acme], delayMs = 5) {
  const db = new Map(rows.map((r) => [r.id, { ...r }]));
  const reads = { n: 0 };
  const wait = () => new Promise((r) => setTimeout(r, delayMs));
  const l: TenantLoader = {
    async bySlug(slug) {
      reads.n++;
      const row = [...db.values()].find((r) => r.slug === slug);
      const copy = row && { ...row };
      await wait();
      return copy;
    },
    async byId(id) {
      reads.n++;
      const row = db.get(id);
      const copy = row && { ...row };
      await wait();
      return copy;
    },
  };
  return { l, db, reads };
}

describe("LRU", () => {
  it("evicts the least recently used entry and expires by TTL", () => {
    let now = 0;
    const lru = createLruCache<number>(2, () => now);
    lru.set("a", 1, 100);
    lru.set("b", 2, 100);
    lru.get("a");
    lru.set("c", 3, 100);
    expect(lru.has("b")).toBe(false);
    expect(lru.get("a")).toBe(1);
    expect(lru.evictions).toBe(1);
    now = 100;
    expect(lru.get("a")).toBeUndefined();
  });

  it("keeps an entry in use however many others pass through, and evicts the coldest", () => {
    const lru = createLruCache<number>(10, () => 0);
    lru.set("hot", 0, 100);
    for (let i = 0; i < 1_000; i++) {
      lru.set(`k${i}`, i, 100);
      expect(lru.get("hot")).toBe(0);
    }
    expect(lru.size).toBe(10);
    expect(lru.evictions).toBe(991);
    // Of the cold keys only the newest nine are left.
    expect(lru.has("k990")).toBe(false);
    expect(lru.has("k991")).toBe(true);
  });

  it("moves an entry from the older half to the newest end on a hit", () => {
    const lru = createLruCache<number>(4, () => 0);
    for (const k of ["a", "b", "c", "d"]) lru.set(k, 1, 100);
    lru.get("a");
    lru.set("e", 1, 100);
    expect(lru.has("a")).toBe(true);
    expect(lru.has("b")).toBe(false);
  });
});

describe("tenant cache", () => {
  it("answers cachedBySlug()/cachedById() from memory only, counting hits but not unknowns", async () => {
    const { l, reads } = loader();
    const cache = createTenantCache({ loader: l });
    expect(cache.cachedBySlug("acme")).toBeUndefined();
    expect(cache.cachedById("ten_1")).toBeUndefined();
    expect(cache.metrics()).toMatchObject({ lookups: 0, misses: 0 });
    const loaded = await cache.bySlug("acme");
    expect(cache.cachedBySlug("acme")).toBe(loaded);
    expect(cache.cachedById("ten_1")).toBe(loaded);
    await cache.bySlug("ghost");
    expect(cache.cachedBySlug("ghost")).toBeNull();
    expect(reads.n).toBe(2);
    expect(cache.metrics()).toMatchObject({ lookups: 5, hits: 2, negativeHits: 1, misses: 2 });
    cache.invalidateLocal({ tenantId: "ten_1" });
    expect(cache.cachedBySlug("acme")).toBeUndefined();
  });

  it("makes one database read for 100 concurrent misses (single-flight)", async () => {
    const { l, reads } = loader();
    const cache = createTenantCache({ loader: l });
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.bySlug("acme")));
    expect(reads.n).toBe(1);
    expect(results.every((r) => r?.id === "ten_1")).toBe(true);
    expect(cache.metrics()).toMatchObject({ lookups: 100, misses: 100, loads: 1 });
  });

  it("serves hits without reads, under both slug and id, and reports the hit rate", async () => {
    const { l, reads } = loader();
    const cache = createTenantCache({ loader: l });
    await cache.bySlug("acme");
    await cache.byId("ten_1");
    await cache.bySlug("acme");
    expect(reads.n).toBe(1);
    expect(cache.metrics()).toMatchObject({ hits: 2, misses: 1, hitRate: 2 / 3 });
  });

  it("remembers unknown slugs for the negative TTL only", async () => {
    let now = 0;
    const { l, reads, db } = loader([]);
    const cache = createTenantCache({ loader: l, now: () => now, negativeTtlMs: 1_000 });
    expect(await cache.bySlug("ghost")).toBeUndefined();
    expect(await cache.bySlug("ghost")).toBeUndefined();
    expect(reads.n).toBe(1);
    expect(cache.metrics().negativeHits).toBe(1);
    db.set("ten_g", { id: "ten_g", slug: "ghost", plan: "free", status: "active" });
    now = 1_000;
    expect(await cache.bySlug("ghost")).toMatchObject({ id: "ten_g" });
  });

  it("expires positive entries after the TTL (5 minutes by default)", async () => {
    let now = 0;
    const { l, reads } = loader();
    const cache = createTenantCache({ loader: l, now: () => now });
    await cache.byId("ten_1");
    now = 299_999;
    await cache.byId("ten_1");
    expect(reads.n).toBe(1);
    now = 300_000;
    await cache.byId("ten_1");
    expect(reads.n).toBe(2);
  });

  it("drops both keys of a tenant on an invalidation by id, through the bus", async () => {
    const { l, db, reads } = loader();
    const bus = createLocalBus();
    const cache = createTenantCache({ loader: l, bus });
    await cache.bySlug("acme");
    db.get("ten_1")!.status = "suspended";
    await bus.publish({ tenantId: "ten_1" });
    expect((await cache.bySlug("acme"))?.status).toBe("suspended");
    expect(reads.n).toBe(2);
  });

  it("never caches a read that raced an invalidation", async () => {
    const { l, db } = loader([acme], 20);
    const cache = createTenantCache({ loader: l });
    const stale = cache.byId("ten_1");
    await new Promise((r) => setTimeout(r, 1)); // the read has started with the old row
    db.get("ten_1")!.status = "suspended";
    cache.invalidateLocal({ tenantId: "ten_1" });
    expect((await stale)?.status).toBe("active"); // its waiter gets what it read...
    expect((await cache.byId("ten_1"))?.status).toBe("suspended"); // ...the cache does not keep it
  });

  it("clears everything on { all: true } and reports events", async () => {
    const onEvent = vi.fn();
    const { l, reads } = loader();
    const cache = createTenantCache({ loader: l, onEvent });
    await cache.byId("ten_1");
    cache.invalidateLocal({ all: true });
    await cache.byId("ten_1");
    expect(reads.n).toBe(2);
    expect(onEvent.mock.calls.map(([e]) => e.type)).toEqual(["miss", "load", "invalidate", "miss", "load"]);
  });
});
