import { createTestRedis, redisAvailable } from "@org/testing";
import { afterAll, describe, expect, it } from "vitest";
import { counterStoreContract } from "./counter-store.contract.js";
import { createRedisCounterStore } from "./redis-counter-store.js";

const available = await redisAvailable();
const redis = createTestRedis();
afterAll(() => redis.cleanup());
let n = 0;

describe.skipIf(!available)("redis counter store", () => {
  counterStoreContract("redis", () =>
    createRedisCounterStore(redis.connect(), { prefix: `${redis.prefix}${n++}:` }),
  );

  it("shares counts between clients (nodes) and keys each tenant under one hash tag", async () => {
    const prefix = `${redis.prefix}shared:`;
    const nodeA = createRedisCounterStore(redis.connect(), { prefix });
    const nodeB = createRedisCounterStore(redis.connect(), { prefix });
    await Promise.all([
      nodeA.add([{ tenantId: "ten_x", meter: "api_calls", periodStartMs: 0, n: 4 }]),
      nodeB.add([{ tenantId: "ten_x", meter: "api_calls", periodStartMs: 0, n: 6 }]),
    ]);
    expect(await nodeA.get("ten_x", 0)).toEqual({ api_calls: 10 });
    const keys = await redis.connect().keys(`${prefix}*`);
    expect(keys).toEqual([`${prefix}usage:{ten_x}:0`]);
  });
});
