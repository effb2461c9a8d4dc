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
      nodeA.add([{ tenantId: "ten_x", meter: "api_calls", periodStartMs: 0, n: 4 }], "fl_a"),
      nodeB.add([{ tenantId: "ten_x", meter: "api_calls", periodStartMs: 0, n: 6 }], "fl_b"),
    ]);
    expect(await nodeA.get("ten_x", 0)).toEqual({ api_calls: 10 });
    const keys = (await redis.connect().keys(`${prefix}*`)).sort();
    // The period hash and the two flush markers, all under the tenant's tag.
    expect(keys).toEqual([
      `${prefix}usage:{ten_x}:0`,
      `${prefix}usage:{ten_x}:flush:fl_a`,
      `${prefix}usage:{ten_x}:flush:fl_b`,
    ]);
  });
});
