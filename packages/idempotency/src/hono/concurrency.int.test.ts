import { createTestDb, createTestRedis } from "@org/testing";
import { describeConcurrency } from "../../test/concurrency.js";
import { createMemoryStore } from "../memory-store.js";
import { createPostgresStore } from "../postgres-store.js";
import { createRedisStore } from "../redis-store.js";

describeConcurrency("memory", async () => ({ store: createMemoryStore(), cleanup: async () => {} }));

describeConcurrency("postgres", async () => {
  const t = await createTestDb({ maxConnections: 20 });
  return { store: createPostgresStore({ db: t.db }), cleanup: () => t.cleanup() };
});

describeConcurrency("redis", async () => {
  const t = createTestRedis();
  return {
    store: createRedisStore({ redis: t.connect({ enableAutoPipelining: true }), prefix: t.prefix }),
    cleanup: () => t.cleanup(),
  };
});
