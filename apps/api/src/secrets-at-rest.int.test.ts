import { idempotencyRowsText, redisText, TEST_REDIS_URL } from "@org/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "../test/setup.js";

/** POST /v1/api-keys twice with one Idempotency-Key: the live answer and the replay. */
async function createKeyTwice(api: TestApi, idempotencyKey: string) {
  const createKey = () =>
    api.app.request("/v1/api-keys", {
      method: "POST",
      headers: { ...api.auth, "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
      body: JSON.stringify({ name: "ci" }),
    });
  const first = await createKey();
  expect(first.status).toBe(201);
  const key = (await first.json()) as { id: string; secret: string };
  expect(key.secret).toMatch(/^sk_/);
  const replay = await createKey();
  expect(replay.status).toBe(201);
  expect(replay.headers.get("idempotent-replayed")).toBe("true");
  expect(replay.headers.get("idempotent-redacted")).toBe('"/secret"');
  expect(await replay.json()).toEqual({ ...key, secret: null });
  return key.secret;
}

describe("api (Postgres idempotency store): API key secrets are never stored in clear", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api?.close());

  it("POST /v1/api-keys: idempotency_keys holds the redacted answer only; a replay answers null", async () => {
    const secret = await createKeyTwice(api, "api-key-secret-pg");
    const stored = await idempotencyRowsText(api.deps.db);
    expect(stored).toContain('"secret":null');
    expect(stored).not.toContain(secret);
  });
});

describe("api (REDIS_URL: Redis idempotency store): API key secrets are never stored in clear", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ REDIS_URL: TEST_REDIS_URL });
  });
  afterAll(() => api?.close());

  it("POST /v1/api-keys: no Redis key and no idempotency_keys row holds the secret; a replay answers null", async () => {
    const secret = await createKeyTwice(api, `api-key-secret-redis-${Date.now()}`);
    const redis = api.deps.redis;
    if (!redis) throw new Error("the api did not connect to Redis");
    const stored = await redisText(redis, "api:idem:*");
    expect(stored).toMatch(/secret\\?":null/);
    expect(stored).not.toContain(secret);
    expect(await idempotencyRowsText(api.deps.db)).not.toContain(secret);
  });
});
