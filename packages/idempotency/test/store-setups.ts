/** Every store on a fresh namespace, for the middleware suites that run against each of them. */
import { createTestDb, createTestRedis, idempotencyRowsText, redisText } from "@org/testing";
import { createMemoryStore } from "../src/memory-store.js";
import { createPostgresStore } from "../src/postgres-store.js";
import { createRedisStore } from "../src/redis-store.js";
import type { StoreHarness } from "../src/store.contract.js";

export interface StoreSetup extends StoreHarness {
  /** Everything the store holds at rest, as text (none for memory). */
  storedText?: () => Promise<string>;
}

export const storeSetups: Record<"memory" | "postgres" | "redis", () => Promise<StoreSetup>> = {
  memory: async () => ({ store: createMemoryStore(), cleanup: async () => {} }),
  postgres: async () => {
    const t = await createTestDb({ maxConnections: 20 });
    return {
      store: createPostgresStore({ db: t.db }),
      cleanup: () => t.cleanup(),
      storedText: () => idempotencyRowsText(t.db),
    };
  },
  redis: async () => {
    const t = createTestRedis();
    const redis = t.connect({ enableAutoPipelining: true });
    return {
      store: createRedisStore({ redis, prefix: t.prefix }),
      cleanup: () => t.cleanup(),
      storedText: () => redisText(redis, `${t.prefix}*`),
    };
  },
};
