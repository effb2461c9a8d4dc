/** Every store on a fresh namespace, for the middleware suites that run against each of them. */
import { createTestDb, createTestRedis } from "@org/testing";
import { createMemoryStore } from "../src/memory-store.js";
import { createPostgresStore } from "../src/postgres-store.js";
import { createRedisStore } from "../src/redis-store.js";
import type { StoreHarness } from "../src/store.contract.js";

export const storeSetups: Record<"memory" | "postgres" | "redis", () => Promise<StoreHarness>> = {
  memory: async () => ({ store: createMemoryStore(), cleanup: async () => {} }),
  postgres: async () => {
    const t = await createTestDb({ maxConnections: 20 });
    return { store: createPostgresStore({ db: t.db }), cleanup: () => t.cleanup() };
  },
  redis: async () => {
    const t = createTestRedis();
    return {
      store: createRedisStore({ redis: t.connect({ enableAutoPipelining: true }), prefix: t.prefix }),
      cleanup: () => t.cleanup(),
    };
  },
};
