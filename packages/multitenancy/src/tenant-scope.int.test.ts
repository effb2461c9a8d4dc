import { apiKeys, newId, tenants } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantScope } from "./tenant-scope.js";

let t: TestDb;
const A = newId("tenant");
const B = newId("tenant");
beforeAll(async () => {
  t = await createTestDb();
  for (const [id, slug] of [
    [A, "scope-a"],
    [B, "scope-b"],
  ] as const) {
    await t.db
      .insert(tenants)
      .values({ id, slug, name: slug, email: `${slug}@x.test`, plan: "free", status: "active" });
  }
});
afterAll(() => t.cleanup());

const key = (id: string) => ({ id, name: id, prefix: "sk_x", hash: `${id}-hash`.padEnd(64, "0") });

describe("tenantScope", () => {
  it("confines select, update and delete to its tenant even with no filter at all", async () => {
    const a = tenantScope(t.db, A);
    const b = tenantScope(t.db, B);
    await a.insert(apiKeys, key("key_a1"));
    await b.insert(apiKeys, key("key_b1"));
    expect((await a.select(apiKeys)).map((k) => k.id)).toEqual(["key_a1"]);
    // A filter naming B's row still finds nothing through A's scope.
    expect(await a.select(apiKeys, eq(apiKeys.id, "key_b1"))).toEqual([]);
    expect(await a.update(apiKeys, { name: "hacked" }, eq(apiKeys.id, "key_b1"))).toEqual([]);
    expect(await a.update(apiKeys, { name: "renamed" })).toHaveLength(1);
    expect(await a.delete(apiKeys, eq(apiKeys.id, "key_b1"))).toEqual([]);
    const [bRow] = await b.select(apiKeys);
    expect(bRow).toMatchObject({ id: "key_b1", name: "key_b1" });
  });

  it("ignores a tenantId smuggled into insert or update values", async () => {
    const a = tenantScope(t.db, A);
    const smuggled = { ...key("key_a2"), tenantId: B } as Parameters<typeof a.insert<typeof apiKeys>>[1];
    const row = await a.insert(apiKeys, smuggled);
    expect(row.tenantId).toBe(A);
    await a.update(apiKeys, { tenantId: B, name: "moved?" } as never, eq(apiKeys.id, "key_a2"));
    expect((await a.select(apiKeys, eq(apiKeys.id, "key_a2")))[0]?.name).toBe("moved?");
    expect((await tenantScope(t.db, B).select(apiKeys)).map((k) => k.id)).toEqual(["key_b1"]);
  });

  it("keeps the tenant inside a transaction, and rolls back together", async () => {
    const a = tenantScope(t.db, A);
    await expect(
      a.transaction(async (tx) => {
        await tx.insert(apiKeys, key("key_a3"));
        expect(tx.tenantId).toBe(A);
        throw new Error("rollback");
      }),
    ).rejects.toThrow("rollback");
    expect((await a.select(apiKeys, eq(apiKeys.id, "key_a3"))).length).toBe(0);
  });

  it("refuses to exist without a tenant", () => {
    expect(() => tenantScope(t.db, "")).toThrow(/tenant id/);
  });
});
