/** @module An isolated Redis namespace per test file. */
import { randomBytes } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import { TEST_REDIS_URL } from "./services.js";

export interface TestRedis {
  url: string;
  /**
   * A key prefix unique to this test file. Hash-tag-free on purpose: stores put their own `{tag}`
   * after it. Every key a test creates must start with it; {@link TestRedis.cleanup} deletes them.
   */
  prefix: string;
  /** A new client (caller closes it, or cleanup() does). */
  connect(options?: RedisOptions): Redis;
  /** Deletes every key under the prefix and closes the clients made by connect(). */
  cleanup(): Promise<void>;
}

export function createTestRedis(): TestRedis {
  const prefix = `test:${process.pid}:${randomBytes(4).toString("hex")}:`;
  const clients: Redis[] = [];
  const connect = (options: RedisOptions = {}) => {
    const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: false, ...options });
    clients.push(client);
    return client;
  };
  return {
    url: TEST_REDIS_URL,
    prefix,
    connect,
    async cleanup() {
      const admin = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        let cursor = "0";
        do {
          const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
          cursor = next;
          if (keys.length > 0) await admin.unlink(...keys);
        } while (cursor !== "0");
      } finally {
        admin.disconnect();
        for (const c of clients) c.disconnect();
      }
    },
  };
}
