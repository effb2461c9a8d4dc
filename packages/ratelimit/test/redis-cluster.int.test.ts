import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPolicy } from "../src/policy.js";
import { GCRA_SCRIPT_SHA } from "../src/redis-script.js";
import { createRedisStore } from "../src/redis-store.js";
import { storeContract } from "../src/store.contract.js";
import { startRedisCluster, type TestCluster } from "./redis-cluster.js";

let cluster: TestCluster;
let redis: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
  redis = new Cluster(cluster.nodes, {
    enableAutoPipelining: true,
    redisOptions: { maxRetriesPerRequest: 1 },
  });
});
afterAll(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

describe("redis store on a 3-master Redis Cluster", () => {
  storeContract("redis cluster", async () => ({
    store: createRedisStore({ redis, prefix: "c:", timeoutMs: 5_000 }),
  }));

  it("spreads tenants over the masters and loads the script on each (EVALSHA, NOSCRIPT -> EVAL)", async () => {
    const store = createRedisStore({ redis, prefix: "spread:", timeoutMs: 5_000 });
    const ps = [
      createPolicy({ name: "s", rate: 10, periodMs: 1_000, burst: 3 }),
      createPolicy({ name: "m", rate: 100, periodMs: 60_000, burst: 100 }),
    ];
    const tenants = Array.from({ length: 60 }, (_, i) => `ten_${i}`);
    const results = await Promise.all(tenants.flatMap((t) => [1, 2, 3, 4].map(() => store.decide(t, ps, 1))));
    // Every tenant: exactly its burst of 3 out of 4, on whichever master owns its slot.
    expect(results.filter((r) => r.allowed)).toHaveLength(60 * 3);
    expect(store.stats.scriptCalls).toBe(60); // one slot per call on a Cluster: one call per tenant
    const perNode = await Promise.all(
      cluster.nodes.map(async (n) => Number((await cluster.cli(n.port, "dbsize")).trim())),
    );
    expect(perNode.every((count) => count > 0)).toBe(true);
    for (const n of cluster.nodes) {
      expect((await cluster.cli(n.port, "script", "exists", GCRA_SCRIPT_SHA)).trim()).toBe("1");
    }
  });

  it("decides keys holding braces on the store: no CROSSSLOT, each key in its own slot", async () => {
    const store = createRedisStore({ redis, prefix: "braces:", timeoutMs: 5_000 });
    const ps = [
      createPolicy({ name: "s", rate: 10, periodMs: 1_000, burst: 2 }),
      createPolicy({ name: "m", rate: 100, periodMs: 60_000, burst: 100 }),
    ];
    // Unescaped, "}x" and "}{" give names with an empty tag (each policy in its own slot: CROSSSLOT),
    // "a}b" the tag of tenant "a".
    const keys = ["}x", "}{", "a}b", "{a}", "{"];
    const settled = await Promise.allSettled(
      keys.flatMap((k) => [1, 2, 3].map(() => store.decide(k, ps, 1))),
    );
    expect(settled.filter((r) => r.status === "rejected")).toEqual([]);
    const allowed = settled.map((r) => r.status === "fulfilled" && r.value.allowed);
    expect(allowed).toEqual(keys.flatMap(() => [true, true, false]));
  });

  it("recovers from a flushed script cache with EVAL", async () => {
    for (const n of cluster.nodes) await cluster.cli(n.port, "script", "flush");
    const store = createRedisStore({ redis, prefix: "flushed:", timeoutMs: 5_000 });
    const ps = [createPolicy({ name: "f", rate: 1, periodMs: 60_000, burst: 2 })];
    const allowed = [];
    for (let i = 0; i < 3; i++) allowed.push((await store.decide("ten_x", ps, 1)).allowed);
    expect(allowed).toEqual([true, true, false]);
  });
});
