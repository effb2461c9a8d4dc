import { apiKeys, auditLog, newId, tenants } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKeyService, generateApiKey, hashSecret, sameHash } from "./api-keys.js";
import { createLocalBus } from "./cache/bus.js";
import { createLastUsedBatcher } from "./last-used.js";

let t: TestDb;
const UNKNOWN = `sk_${"u".repeat(43)}`;
const NEVER_SEEN = `sk_${"n".repeat(43)}`;
const T = newId("tenant");
beforeAll(async () => {
  t = await createTestDb();
  await t.db
    .insert(tenants)
    .values({ id: T, slug: "keys-t", name: "k", email: "k@x.test", plan: "free", status: "active" });
});
afterAll(() => t.cleanup());

describe("API key secrets", () => {
  it("are <prefix>_<43 base62> (256 bits), unique, with a short display prefix", () => {
    const keys = Array.from({ length: 1000 }, () => generateApiKey("sk"));
    expect(new Set(keys.map((k) => k.secret)).size).toBe(1000);
    for (const k of keys.slice(0, 10)) {
      expect(k.secret).toMatch(/^sk_[0-9A-Za-z]{43}$/);
      expect(k.displayPrefix).toBe(k.secret.slice(0, 9));
      expect(k.hash).toBe(hashSecret(k.secret));
    }
    expect(() => generateApiKey("Bad_Prefix")).toThrow(/prefix/);
  });

  it("compare hashes in constant time and refuse different lengths", () => {
    const h = hashSecret("a");
    expect(sameHash(h, hashSecret("a"))).toBe(true);
    expect(sameHash(h, hashSecret("b"))).toBe(false);
    expect(sameHash(h, h.slice(0, 10))).toBe(false);
    expect(sameHash("", "")).toBe(false);
  });
});

describe("API key service", () => {
  it("stores only the hash and display prefix, audits creation and revocation", async () => {
    const keys = createApiKeyService({ db: t.db, bus: createLocalBus() });
    const created = await keys.create(T, { name: "stored" }, "test:actor");
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(row?.hash).toBe(hashSecret(created.secret));
    expect(JSON.stringify(row)).not.toContain(created.secret);
    expect(await keys.revoke(T, created.id, "test:actor")).toBe(true);
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.target, created.id));
    expect(audit.map((a) => a.action).sort()).toEqual(["api_key.created", "api_key.revoked"]);
    expect(JSON.stringify(audit)).not.toContain(created.secret);
  });

  it("caches verification (one read for many calls) and drops the entry on revocation", async () => {
    const keys = createApiKeyService({ db: t.db, bus: createLocalBus() });
    const created = await keys.create(T, { name: "cached", scopes: ["usage:write"] }, "test");
    const results = await Promise.all(Array.from({ length: 20 }, () => keys.verify(created.secret)));
    expect(results.every((p) => p?.keyId === created.id && p.scopes[0] === "usage:write")).toBe(true);
    // Prove the cache answers: remove the row behind its back, the key still verifies...
    await t.db
      .update(apiKeys)
      .set({ hash: "0".repeat(64) })
      .where(eq(apiKeys.id, created.id));
    expect(await keys.verify(created.secret)).toBeDefined();
    // ...until a revocation invalidates it.
    await t.db
      .update(apiKeys)
      .set({ hash: hashSecret(created.secret) })
      .where(eq(apiKeys.id, created.id));
    await keys.revoke(T, created.id, "test");
    expect(await keys.verify(created.secret)).toBeUndefined();
  });

  it("refuses unknown secrets and remembers them briefly", async () => {
    let now = 0;
    const keys = createApiKeyService({
      db: t.db,
      bus: createLocalBus(),
      now: () => now,
      negativeTtlMs: 1000,
    });
    expect(await keys.verify(UNKNOWN)).toBeUndefined();
    // The row appears behind the cache's back (no invalidation): the negative entry still answers...
    await t.db.insert(apiKeys).values({
      tenantId: T,
      id: "key_late",
      name: "late",
      prefix: UNKNOWN.slice(0, 9),
      hash: hashSecret(UNKNOWN),
    });
    expect(await keys.verify(UNKNOWN)).toBeUndefined();
    // ...until it expires.
    now = 1001;
    expect(await keys.verify(UNKNOWN)).toMatchObject({ keyId: "key_late" });
  });

  it("refuses a malformed key without a query or a cache entry", async () => {
    const refusingDb = {
      select: () => {
        throw new Error("a malformed key reached the database");
      },
    } as unknown as TestDb["db"];
    const keys = createApiKeyService({ db: refusingDb, bus: createLocalBus() });
    for (const junk of ["short", "x".repeat(129), `sk_${"a".repeat(40)}!`, "' OR 1=1 --", "a b".repeat(20)]) {
      expect(keys.verifyCached(junk)).toBeNull();
      expect(await keys.verify(junk)).toBeUndefined();
    }
  });

  it("keeps a valid key cached through a flood of unknown keys (they have their own bounded cache)", async () => {
    const keys = createApiKeyService({
      db: t.db,
      bus: createLocalBus(),
      cacheMaxEntries: 4,
      negativeMaxEntries: 4,
    });
    const valid = await keys.create(T, { name: "flooded" }, "test");
    expect(await keys.verify(valid.secret)).toMatchObject({ keyId: valid.id });
    for (let i = 0; i < 40; i++)
      expect(await keys.verify(`sk_${String(i).padStart(43, "z")}`)).toBeUndefined();
    // Still answered from memory: no query, no promise.
    expect(keys.verifyCached(valid.secret)).toMatchObject({ keyId: valid.id });
    // The earliest unknown keys were forgotten (the negative cache is bounded), the latest remembered.
    expect(keys.verifyCached(`sk_${"0".padStart(43, "z")}`)).toBeUndefined();
    expect(keys.verifyCached(`sk_${"39".padStart(43, "z")}`)).toBeNull();
  });

  it("answers verifyCached() from the cache only: undefined before a verify, then the principal or null", async () => {
    const used: string[] = [];
    const keys = createApiKeyService({ db: t.db, bus: createLocalBus(), onUsed: (p) => used.push(p.keyId) });
    const created = await keys.create(T, { name: "sync" }, "test");
    expect(keys.verifyCached(created.secret)).toBeUndefined();
    const verified = await keys.verify(created.secret);
    expect(keys.verifyCached(created.secret)).toBe(verified);
    expect(used).toEqual([created.id, created.id]); // a cached answer counts as a use too
    expect(keys.verifyCached(NEVER_SEEN)).toBeUndefined();
    expect(await keys.verify(NEVER_SEEN)).toBeUndefined();
    expect(keys.verifyCached(NEVER_SEEN)).toBeNull();
    await keys.revoke(T, created.id, "test");
    expect(keys.verifyCached(created.secret)).toBeUndefined(); // invalidated: verify() must read again
    expect(await keys.verify(created.secret)).toBeUndefined();
    expect(keys.verifyCached(created.secret)).toBeNull();
  });

  it("does not revoke another tenant's key", async () => {
    const other = newId("tenant");
    await t.db
      .insert(tenants)
      .values({ id: other, slug: "keys-o", name: "o", email: "o@x.test", plan: "free", status: "active" });
    const keys = createApiKeyService({ db: t.db, bus: createLocalBus() });
    const created = await keys.create(other, { name: "theirs" }, "test");
    expect(await keys.revoke(T, created.id, "test")).toBe(false);
    expect(await keys.verify(created.secret)).toMatchObject({ tenantId: other });
  });
});

describe("last_used_at batching", () => {
  it("writes many uses of many keys in one flush, never moving backwards", async () => {
    const keys = createApiKeyService({ db: t.db, bus: createLocalBus() });
    const a = await keys.create(T, { name: "a" }, "test");
    const b = await keys.create(T, { name: "b" }, "test");
    let at = new Date("2030-01-01T00:00:00Z");
    const batcher = createLastUsedBatcher({ db: t.db, now: () => at, flushIntervalMs: 60_000 });
    for (let i = 0; i < 500; i++) {
      batcher.touch({ tenantId: T, keyId: i % 2 ? a.id : b.id, scopes: [] });
    }
    expect(batcher.pending).toBe(2);
    const [before] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, a.id));
    expect(before?.lastUsedAt).toBeNull();
    expect(await batcher.flush()).toBe(2);
    const [after] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, a.id));
    expect(after?.lastUsedAt?.toISOString()).toBe("2030-01-01T00:00:00.000Z");
    at = new Date("2029-01-01T00:00:00Z");
    batcher.touch({ tenantId: T, keyId: a.id, scopes: [] });
    await batcher.close();
    const [still] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, a.id));
    expect(still?.lastUsedAt?.toISOString()).toBe("2030-01-01T00:00:00.000Z");
  });
});
