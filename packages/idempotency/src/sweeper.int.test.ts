import { randomUUID } from "node:crypto";
import { idempotencyKeys } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryStore } from "./memory-store.js";
import { createPostgresStore } from "./postgres-store.js";
import type { IdempotencyStore } from "./store.js";
import { createIdempotencySweeper } from "./sweeper.js";

const T0 = Date.UTC(2026, 0, 1);
const RETENTION = 60_000;

async function fill(store: IdempotencyStore, count: number, now: number) {
  for (let i = 0; i < count; i++) {
    const claim = {
      scope: "ten_s",
      key: randomUUID(),
      method: "POST",
      path: "/v1/x",
      fingerprint: "fp",
      ownerToken: randomUUID(),
      now,
      lockTtlMs: 1_000,
      retentionMs: RETENTION,
    };
    await store.claim(claim);
    await store.complete({ ...claim, response: { status: 200, headers: {}, body: new Uint8Array() } });
  }
}

describe("createIdempotencySweeper", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(() => t.cleanup());

  it("deletes every expired Postgres row in batches and keeps the live ones (injected clock)", async () => {
    const store = createPostgresStore({ db: t.db });
    await fill(store, 23, T0);
    await fill(store, 4, T0 + RETENTION);
    let now = T0 + RETENTION - 1;
    const batches: number[] = [];
    const sweeper = createIdempotencySweeper({
      store: { ...store, sweep: async (i) => batches[batches.push(await store.sweep(i)) - 1] ?? 0 },
      batchSize: 10,
      clock: () => now,
    });
    expect(await sweeper.sweep()).toBe(0);
    expect(await t.db.$count(idempotencyKeys)).toBe(27);
    now = T0 + RETENTION;
    batches.length = 0;
    expect(await sweeper.sweep()).toBe(23);
    expect(batches).toEqual([10, 10, 3]);
    expect(await t.db.$count(idempotencyKeys)).toBe(4);
  });

  it("sweeps the memory store too, and shares one run between concurrent calls", async () => {
    const store = createMemoryStore();
    await fill(store, 7, T0);
    const sweeper = createIdempotencySweeper({ store, batchSize: 3, clock: () => T0 + RETENTION });
    const [a, b] = await Promise.all([sweeper.sweep(), sweeper.sweep()]);
    expect(a).toBe(7);
    expect(b).toBe(7);
    expect(await sweeper.sweep()).toBe(0);
  });
});
