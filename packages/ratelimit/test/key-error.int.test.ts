import { createTestRedis, redisAvailable } from "@org/test-services";
import { afterAll, describe, expect, it } from "vitest";
import { createRateLimiter, type RateLimitMetric } from "../src/limiter.js";
import { createRedisStore } from "../src/redis-store.js";

const available = await redisAvailable();
const t = createTestRedis();
afterAll(() => t.cleanup());

describe.runIf(available)("a store error about one key", () => {
  it("degrades that key's decisions only: every other tenant stays on the shared store", async () => {
    const redis = t.connect({ enableAutoPipelining: true });
    const counts = new Map<RateLimitMetric, number>();
    const limiter = createRateLimiter({
      store: createRedisStore({ redis, prefix: t.prefix, timeoutMs: 5_000 }),
      rate: 1,
      periodMs: 60_000,
      burst: 10,
      name: "keyerr",
      expectedNodes: 2,
      metrics: { increment: (name) => counts.set(name, (counts.get(name) ?? 0) + 1) },
    });
    // Something else wrote under one tenant's name: the script cannot read it as a timestamp.
    await redis.hset(`${t.prefix}rl:{ten_broken}:keyerr`, "x", "1");
    const tenants = Array.from({ length: 50 }, (_, i) => `ten_${i}`);
    for (let round = 0; round < 3; round++) {
      // One tick: on a single Redis all of them travel in one script call with the broken one.
      const decisions = await Promise.all(["ten_broken", ...tenants].map((k) => limiter.limit(k)));
      expect(decisions[0]!.source).toBe("insurance");
      expect(decisions.slice(1).map((d) => d.source)).toEqual(tenants.map(() => "store"));
      expect(limiter.degraded).toBe(false);
    }
    expect(counts.get("ratelimit_key_errors_total")).toBe(3);
    expect(counts.get("ratelimit_store_errors_total")).toBeUndefined();
    // Once the key is readable again it is back on the store.
    await redis.del(`${t.prefix}rl:{ten_broken}:keyerr`);
    expect((await limiter.limit("ten_broken")).source).toBe("store");
  });
});
