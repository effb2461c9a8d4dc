import { createTestDb, createTestRedis, type TestDb } from "@org/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { seedTenant } from "../test/catalogue.js";
import { type Harness, meteringFor } from "../test/setup.js";
import { createRedisCounterStore } from "./redis-counter-store.js";

const NOW = Date.UTC(2026, 2, 15, 12);
let t: TestDb;
let h: Harness;
const redis = createTestRedis();

beforeAll(async () => {
  t = await createTestDb();
  h = meteringFor(t.db, {}, NOW);
});
afterAll(async () => {
  await h?.metering.close();
  await t?.cleanup();
  await redis.cleanup();
});

describe("check()", () => {
  it("refuses a hard quota once used reaches the included quantity, counting buffered increments", async () => {
    const tenant = await seedTenant(t.db, "free");
    h.plans.set(tenant, "free");
    expect(await h.metering.check(tenant, "api_calls")).toEqual({
      feature: "api_calls",
      allowed: true,
      limit: 10_000,
      used: 0,
      remaining: 10_000,
    });
    h.metering.increment(tenant, "api_calls", 9_999);
    expect(await h.metering.check(tenant, "api_calls")).toMatchObject({
      allowed: true,
      used: 9_999,
      remaining: 1,
    });
    h.metering.increment(tenant, "api_calls", 1);
    expect(await h.metering.check(tenant, "api_calls")).toMatchObject({
      allowed: false,
      used: 10_000,
      remaining: 0,
    });
    await h.metering.flush(); // moved to Postgres: the cache follows without double counting
    expect(await h.metering.check(tenant, "api_calls")).toMatchObject({ allowed: false, used: 10_000 });
    await h.metering.ingest(tenant, [{ id: "t1", meter: "tokens", quantity: 100_001 }]);
    expect(await h.metering.check(tenant, "tokens")).toMatchObject({
      allowed: false,
      used: 100_001,
      remaining: 0,
    });
  });

  it("checkCached() answers like check() once the tenant is cached, and undefined before", async () => {
    const tenant = await seedTenant(t.db, "free");
    h.plans.set(tenant, "free");
    expect(h.metering.checkCached(tenant, "api_calls")).toBeUndefined();
    await h.metering.check(tenant, "api_calls");
    h.metering.increment(tenant, "api_calls", 10_000);
    const cached = h.metering.checkCached(tenant, "api_calls");
    expect(cached).toEqual(await h.metering.check(tenant, "api_calls"));
    expect(cached).toMatchObject({ allowed: false, used: 10_000 });
    expect(h.metering.checkCached(tenant, "sso")).toEqual({ feature: "sso", allowed: false });
  });

  it("allows a soft quota beyond the limit, and answers boolean features from the plan", async () => {
    const tenant = await seedTenant(t.db, "pro");
    h.plans.set(tenant, "pro");
    await h.metering.ingest(tenant, [{ id: "big", meter: "tokens", quantity: 12_000_000 }]);
    expect(await h.metering.check(tenant, "tokens")).toEqual({
      feature: "tokens",
      allowed: true,
      limit: 10_000_000,
      used: 12_000_000,
      remaining: 0,
    });
    expect(await h.metering.check(tenant, "audit_log_export")).toEqual({
      feature: "audit_log_export",
      allowed: true,
    });
    expect(await h.metering.check(tenant, "sso")).toEqual({ feature: "sso", allowed: false });
    expect(await h.metering.check(tenant, "no_such_feature")).toEqual({
      feature: "no_such_feature",
      allowed: false,
    });
    expect(await h.metering.check(tenant, "seats")).toEqual({ feature: "seats", allowed: true });
  });

  it("answers a cached check without asking the plan or the database again", async () => {
    const tenant = await seedTenant(t.db, "pro");
    let planLookups = 0;
    let queries = 0;
    const counted = new Proxy(t.db, {
      get(target, key, receiver) {
        if (key === "execute") {
          return (...args: Parameters<typeof target.execute>) => {
            queries++;
            return target.execute(...args);
          };
        }
        return Reflect.get(target, key, receiver);
      },
    });
    const local = meteringFor(
      counted,
      {
        planFor: () => {
          planLookups++;
          return {
            id: "pro",
            currency: "usd",
            meters: { api_calls: { included: 5, limit: "hard" } },
            features: {},
          };
        },
      },
      NOW,
    );
    await local.metering.check(tenant, "api_calls");
    const after = { planLookups, queries };
    for (let i = 0; i < 100; i++) {
      local.metering.increment(tenant, "api_calls");
      await local.metering.check(tenant, "api_calls");
    }
    expect({ planLookups, queries }).toEqual(after);
    expect(await local.metering.check(tenant, "api_calls")).toMatchObject({ allowed: false, used: 100 });
    await local.metering.close();
  });

  it("gives self_hosted every feature and no quota", async () => {
    const tenant = await seedTenant(t.db, "self_hosted");
    h.plans.set(tenant, "self_hosted");
    h.metering.increment(tenant, "api_calls", 10_000_000);
    expect(await h.metering.check(tenant, "api_calls")).toEqual({ feature: "api_calls", allowed: true });
    expect(await h.metering.check(tenant, "sso")).toEqual({ feature: "sso", allowed: true });
  });

  it("starts a new period from zero at the period boundary", async () => {
    const tenant = await seedTenant(t.db, "free");
    const local = meteringFor(t.db, {}, Date.UTC(2026, 2, 31, 23, 59, 30));
    local.plans.set(tenant, "free");
    local.metering.increment(tenant, "api_calls", 10_000);
    expect((await local.metering.check(tenant, "api_calls")).allowed).toBe(false);
    local.clock.now = Date.UTC(2026, 3, 1, 0, 0, 5);
    expect(await local.metering.check(tenant, "api_calls")).toMatchObject({ allowed: true, used: 0 });
    local.metering.increment(tenant, "api_calls", 3);
    await local.metering.close();
    const april = await local.metering.currentPeriod(tenant);
    expect(april.totals.api_calls).toBe(3);
    local.clock.now = Date.UTC(2026, 2, 31, 23, 59, 59);
    expect((await local.metering.currentPeriod(tenant)).totals.api_calls).toBe(10_000);
  });

  it("sees another node's flushed counts through the shared Redis counters", async () => {
    const tenant = await seedTenant(t.db, "free");
    const prefix = `${redis.prefix}ent:`;
    const nodes = [0, 1].map(() =>
      meteringFor(
        t.db,
        { counters: createRedisCounterStore(redis.connect(), { prefix }), cacheTtlMs: 3_600_000 },
        NOW,
      ),
    );
    for (const n of nodes) n.plans.set(tenant, "free");
    expect((await nodes[0]!.metering.check(tenant, "api_calls")).used).toBe(0); // cached on node 0
    nodes[1]!.metering.increment(tenant, "api_calls", 6_000);
    await nodes[1]!.metering.flush();
    nodes[0]!.metering.increment(tenant, "api_calls", 4_000);
    await nodes[0]!.metering.flush(); // node 0's flush re-reads the shared totals
    // the re-read runs in the background after the flush
    await vi.waitFor(async () =>
      expect(await nodes[0]!.metering.check(tenant, "api_calls")).toMatchObject({
        used: 10_000,
        allowed: false,
      }),
    );
    for (const n of nodes) await n.metering.close();
  });
});
