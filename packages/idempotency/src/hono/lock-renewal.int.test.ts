import { createTestDb, createTestRedis } from "@org/testing";
import { describeLockRenewal } from "../../test/lock-renewal.js";
import { createMemoryStore } from "../memory-store.js";
import { createPostgresStore } from "../postgres-store.js";
import { createRedisStore } from "../redis-store.js";

describeLockRenewal("memory", async () => ({ store: createMemoryStore(), cleanup: async () => {} }));

describeLockRenewal("postgres", async () => {
  const t = await createTestDb({ maxConnections: 10 });
  return { store: createPostgresStore({ db: t.db }), cleanup: () => t.cleanup() };
});

describeLockRenewal("redis", async () => {
  const t = createTestRedis();
  return {
    store: createRedisStore({ redis: t.connect({ enableAutoPipelining: true }), prefix: t.prefix }),
    cleanup: () => t.cleanup(),
  };
});
