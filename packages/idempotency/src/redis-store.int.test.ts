import { randomUUID } from "node:crypto";
import { createTestRedis, redisAvailable } from "@org/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisStore } from "./redis-store.js";
import { describeStoreContract } from "./store.contract.js";

describeStoreContract(
  "redis",
  async () => {
    await redisAvailable();
    const t = createTestRedis();
    const redis = t.connect({ enableAutoPipelining: true });
    return { store: createRedisStore({ redis, prefix: t.prefix }), cleanup: () => t.cleanup() };
  },
  { sweepDeletesRows: false },
);

describe("redis store layout", () => {
  const t = createTestRedis();
  afterAll(() => t.cleanup());

  it("keeps a record's keys under one hash tag (one Cluster slot), with a lock that expires by PX", async () => {
    const redis = t.connect();
    const store = createRedisStore({ redis, prefix: t.prefix });
    const now = Date.now();
    await store.claim({
      scope: "ten_{odd}",
      key: `weird}{key-${randomUUID()}`,
      method: "POST",
      path: "/v1/x",
      fingerprint: "fp",
      ownerToken: "owner",
      now,
      lockTtlMs: 60_000,
      retentionMs: 120_000,
    });
    const keys = (await redis.keys(`${t.prefix}*`)).sort();
    expect(keys).toHaveLength(2);
    const tags = keys.map((k) => /\{([^}]*)\}/.exec(k)?.[1]);
    expect(tags[0]).toBeTruthy();
    expect(tags[0]).toBe(tags[1]);
    const lock = keys.find((k) => k.endsWith(":lock")) ?? "";
    expect(await redis.get(lock)).toBe("owner");
    const pttl = await redis.pttl(lock);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });
});
