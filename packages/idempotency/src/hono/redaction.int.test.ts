import { randomUUID } from "node:crypto";
import {
  createTestDb,
  createTestRedis,
  idempotencyRowsText,
  redisText,
  type TestDb,
  type TestRedis,
} from "@org/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, post } from "../../test/test-app.js";
import { createMemoryStore } from "../memory-store.js";
import { createPostgresStore } from "../postgres-store.js";
import { createRedisStore } from "../redis-store.js";
import type { IdempotencyStore } from "../store.js";

interface Created {
  id: string;
  secret: string | null;
  owner: { id: string; token: string | null };
}

/** The first answer carries the secret; replays (from the store and from the cache) carry null. */
async function createThenReplay(store: IdempotencyStore, replayCache: boolean) {
  const { app, runs } = createTestApp({ store, ...(replayCache ? {} : { replayCache: false }) });
  const key = randomUUID();
  const first = await app.request("/v1/keys", post(key, { name: "ci" }));
  expect(first.status).toBe(201);
  const created = (await first.json()) as Created;
  expect(created.secret).toMatch(/^sk_test_/);
  expect(first.headers.get("idempotent-redacted")).toBeNull();
  const replay = await app.request("/v1/keys", post(key, { name: "ci" }));
  expect(replay.status).toBe(201);
  expect(replay.headers.get("idempotent-replayed")).toBe("true");
  expect(replay.headers.get("idempotent-redacted")).toBe('"/secret", "/owner/token"');
  expect(await replay.json()).toEqual({ ...created, secret: null, owner: { id: "u1", token: null } });
  expect(runs.keys).toBe(1);
  return created.secret as string;
}

describe("idempotency(): sensitive fields are never stored in clear", () => {
  let db: TestDb;
  let redis: TestRedis;
  beforeAll(async () => {
    db = await createTestDb();
    redis = createTestRedis();
  });
  afterAll(async () => {
    await db.cleanup();
    await redis.cleanup();
  });

  it("postgres: no idempotency_keys row holds the secret; a replay answers it redacted", async () => {
    const secret = await createThenReplay(createPostgresStore({ db: db.db }), false);
    const stored = await idempotencyRowsText(db.db);
    expect(stored).toContain('"secret":null');
    expect(stored).not.toContain(secret.slice("sk_test_".length));
  });

  it("redis: no key holds the secret; a replay answers it redacted", async () => {
    const client = redis.connect();
    const secret = await createThenReplay(createRedisStore({ redis: client, prefix: redis.prefix }), false);
    const stored = await redisText(client, `${redis.prefix}*`);
    expect(stored).toMatch(/secret\\?":null/);
    expect(stored).not.toContain(secret.slice("sk_test_".length));
  });

  it("memory, with the replay cache: the cached replay is redacted too", async () => {
    await createThenReplay(createMemoryStore(), true);
  });
});
