import { randomUUID } from "node:crypto";
import { closeDb, createDb } from "@org/db";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createTestApp, post } from "../../test/test-app.js";
import { createMemoryStore } from "../memory-store.js";
import { createPostgresStore } from "../postgres-store.js";
import { createRedisStore } from "../redis-store.js";
import type { IdempotencyStore } from "../store.js";

// Port 1 on loopback: nothing listens, connections are refused at once.
const deadDb = createDb({
  driver: "postgres",
  url: "postgres://postgres@127.0.0.1:1/none",
  connectTimeoutSeconds: 2,
});
const deadRedis = new Redis("redis://127.0.0.1:1", {
  lazyConnect: true,
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  retryStrategy: () => null,
});
deadRedis.on("error", () => {}); // expected: nothing listens there
afterAll(async () => {
  await closeDb(deadDb);
  deadRedis.disconnect();
});

describe("an unreachable store fails closed", () => {
  const cases: [string, IdempotencyStore][] = [
    ["postgres", createPostgresStore({ db: deadDb })],
    ["redis", createRedisStore({ redis: deadRedis })],
  ];
  for (const [name, store] of cases) {
    it(`${name}: 503 idempotency_store_unavailable, and the handler never runs`, async () => {
      const phases: string[] = [];
      const { app, runs } = createTestApp({ store, onStoreError: (_e, phase) => phases.push(phase) });
      const key = randomUUID();
      for (let i = 0; i < 2; i++) {
        const res = await app.request("/v1/things", post(key));
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({ code: "idempotency_store_unavailable", status: 503 });
      }
      expect(runs.things).toBe(0);
      expect(phases).toEqual(["claim", "claim"]);
    });
  }

  it("a claim slower than storeTimeoutMs answers 503, and the late claim is released (no 409 after)", async () => {
    const memory = createMemoryStore();
    let land: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      land = resolve;
    });
    let hold = true;
    const released: boolean[] = [];
    const store: IdempotencyStore = {
      ...memory,
      // The first claim only reaches the store after the middleware gave up on it.
      claim: async (input) => {
        if (hold) await held;
        return memory.claim(input);
      },
      release: async (input) => {
        const done = await memory.release(input);
        released.push(done);
        return done;
      },
    };
    const { app, runs } = createTestApp({ store, storeTimeoutMs: 5 });
    const key = randomUUID();
    expect((await app.request("/v1/things", post(key))).status).toBe(503);
    hold = false;
    land();
    while (released.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(released).toEqual([true]);
    expect((await app.request("/v1/things", post(key))).status).toBe(201);
    expect(runs.things).toBe(1);
  });
});
