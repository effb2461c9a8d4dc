import { randomUUID } from "node:crypto";
import { closeDb, createDb, type Database, rows } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idempotency } from "./hono/idempotency.js";
import { createPostgresStore } from "./postgres-store.js";
import { describeStoreContract } from "./store.contract.js";
import type { ClaimInput } from "./store.js";

describeStoreContract(
  "postgres",
  async () => {
    const t = await createTestDb({ maxConnections: 20 });
    return { store: createPostgresStore({ db: t.db }), cleanup: () => t.cleanup() };
  },
  { sweepDeletesRows: true },
);

// The same SQL on embedded PGlite (the self-hosted default database).
describeStoreContract(
  "postgres store on PGlite",
  async () => {
    const t = await createTestDb({ driver: "pglite" });
    return { store: createPostgresStore({ db: t.db }), cleanup: () => t.cleanup() };
  },
  { sweepDeletesRows: true },
);

describe("postgres store: batched claims across nodes", () => {
  const T0 = Date.UTC(2026, 0, 1);
  const LOCK = 30_000;
  let t: TestDb;
  let nodes: Database[] = [];

  beforeAll(async () => {
    t = await createTestDb({ driver: "postgres", maxConnections: 10 });
    // A second pool on the same database: another node.
    nodes = [t.db, createDb({ driver: "postgres", url: t.url!, maxConnections: 10 })];
  });
  afterAll(async () => {
    await closeDb(nodes[1]!);
    await t.cleanup();
  });

  const claimInput = (over: Partial<ClaimInput> = {}): ClaimInput => ({
    scope: "ten_batch",
    key: randomUUID(),
    method: "POST",
    path: "/v1/things",
    fingerprint: "fp",
    ownerToken: randomUUID(),
    now: T0,
    lockTtlMs: LOCK,
    retentionMs: 86_400_000,
    ...over,
  });

  const shuffled = <T>(items: T[]): T[] => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };

  it("hands each of 300 lapsed keys to exactly one of two nodes taking them over in opposite orders", async () => {
    const [a, b] = nodes.map((n) => createPostgresStore({ db: n, maxBatch: 64 }));
    const keys = Array.from({ length: 300 }, (_, i) => `takeover-${i}-${randomUUID()}`);
    const claim = (key: string, now: number) => claimInput({ key, now });
    const held = await Promise.all(keys.map((k) => a!.claim(claim(k, T0))));
    expect(held.every((r) => r.kind === "claimed")).toBe(true);

    // Every lock has lapsed: both nodes try to take every key over at once, in different orders.
    const later = T0 + LOCK + 1;
    const order = shuffled(keys);
    const [fromA, fromB] = await Promise.all([
      Promise.all(order.map((k) => a!.claim(claim(k, later)).then((r) => [k, r.kind] as const))),
      Promise.all(
        [...order].reverse().map((k) => b!.claim(claim(k, later)).then((r) => [k, r.kind] as const)),
      ),
    ]);
    const winners = new Map<string, number>();
    for (const [k, kind] of [...fromA, ...fromB]) {
      expect(["claimed", "in_progress"]).toContain(kind);
      if (kind === "claimed") winners.set(k, (winners.get(k) ?? 0) + 1);
    }
    expect(winners.size).toBe(300);
    expect([...winners.values()].every((n) => n === 1)).toBe(true);
  });

  it("carries keys and scopes with quotes, backslashes and non-ASCII through one batch intact", async () => {
    const store = createPostgresStore({ db: nodes[0]! });
    const odd = ['a"b', "c\\d", "e'f", 'g\\"h', " spaced "].map((k) => `${k}-${randomUUID()}`);
    const inputs = odd.map((key) =>
      claimInput({ scope: "tën_ü\u2603", key, path: '/v1/things?x="1"', fingerprint: key }),
    );
    expect((await Promise.all(inputs.map((i) => store.claim(i)))).map((r) => r.kind)).toEqual(
      odd.map(() => "claimed"),
    );
    const done = await Promise.all(
      inputs.map((i) =>
        store.complete({
          ...i,
          response: {
            status: 201,
            headers: { location: `/v1/${i.key}` },
            body: new TextEncoder().encode(i.key),
          },
        }),
      ),
    );
    expect(done).toEqual(odd.map(() => true));
    const again = await Promise.all(
      inputs.map((i) => store.claim({ ...i, ownerToken: randomUUID(), now: T0 + 1 })),
    );
    for (const [n, r] of again.entries()) {
      expect(r.kind).toBe("completed");
      if (r.kind !== "completed") continue;
      expect(r.fingerprint).toBe(odd[n]);
      expect(r.response.headers).toEqual({ location: `/v1/${odd[n]}` });
      expect(new TextDecoder().decode(r.response.body)).toBe(odd[n]);
    }
  });

  it("fails a claim Postgres cannot store on its own, and stores a NUL in a path as U+FFFD", async () => {
    const store = createPostgresStore({ db: nodes[0]! });
    const input = (over: Partial<ClaimInput>) => claimInput({ scope: "ten_nul", ...over });
    // All in one tick: the refused ones must not take the others' statement down with them.
    const results = await Promise.allSettled([
      ...Array.from({ length: 8 }, () => store.claim(input({}))),
      store.claim(input({ path: "/v1/things\u0000x\uD800" })),
      store.claim(input({ key: "bad\u0000key" })),
      store.claim(input({ scope: "ten_\uDC00" })),
    ]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value.kind : "rejected"))).toEqual([
      ...Array(9).fill("claimed"),
      "rejected",
      "rejected",
    ]);
    const [row] = rows<{ path: string }>(
      await nodes[0]!.execute(
        sql`SELECT path FROM idempotency_keys WHERE scope = 'ten_nul' AND path <> '/v1/things'`,
      ),
    );
    expect(row?.path).toBe("/v1/things\uFFFDx\uFFFD");
  });

  it("answers a request whose path holds %00 like any other, beside requests in the same tick", async () => {
    const app = new Hono();
    app.use("/v1/*", idempotency({ store: createPostgresStore({ db: nodes[0]! }), scope: () => "ten_http" }));
    let runs = 0;
    app.post("/v1/*", (c) => c.json({ run: ++runs, path: c.req.path }, 201));
    const send = (path: string, key: string) =>
      app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key },
        body: "{}",
      });
    const keys = Array.from({ length: 6 }, () => randomUUID());
    const answers = await Promise.all([
      send("/v1/odd%00path", keys[0]!),
      ...keys.slice(1).map((k) => send("/v1/things", k)),
    ]);
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(201));
    const replay = await send("/v1/odd%00path", keys[0]!);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(runs).toBe(6);
  });
});
