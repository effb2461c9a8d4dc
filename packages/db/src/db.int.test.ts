import { createFreshDatabase, postgresAvailable } from "@org/test-services";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, createDb, type Database, migrate, newId, rows, tenants, usageBuckets } from "./index.js";
import { idempotencyKeys } from "./schema/idempotency.js";

const hasPostgres = await postgresAvailable();
const drivers = [
  { driver: "pglite" as const, enabled: true },
  { driver: "postgres" as const, enabled: hasPostgres },
];

const TABLES = [
  "api_keys",
  "audit_log",
  "billing_sync_state",
  "credit_ledger",
  "idempotency_keys",
  "invoices",
  "notifications",
  "stripe_operations",
  "stripe_webhook_events",
  "subscription_transitions",
  "subscriptions",
  "tenant_plan_history",
  "tenants",
  "trial_claims",
  "usage_alert_settings",
  "usage_alerts_fired",
  "usage_buckets",
  "usage_events",
  "usage_flushes",
  "usage_reports",
];

// @org/testing builds on this package, so these tests open their databases themselves.
async function openMigrated(
  driver: "pglite" | "postgres",
): Promise<{ db: Database; cleanup(): Promise<void> }> {
  if (driver === "pglite") {
    const db = createDb({ driver });
    await migrate(db);
    return { db, cleanup: () => closeDb(db) };
  }
  const fresh = await createFreshDatabase();
  const db = createDb({ driver, url: fresh.url });
  await migrate(db);
  return {
    db,
    async cleanup() {
      await closeDb(db);
      await fresh.drop();
    },
  };
}

for (const { driver, enabled } of drivers) {
  describe.skipIf(!enabled)(`on ${driver}`, () => {
    let t: { db: Database; cleanup(): Promise<void> };
    beforeAll(async () => {
      t = await openMigrated(driver);
    });
    afterAll(() => t?.cleanup());

    it("creates every table of the data model", async () => {
      const found = rows<{ table_name: string }>(
        await t.db.execute(
          sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
        ),
      ).map((r) => r.table_name);
      expect(found).toEqual(TABLES);
    });

    it("inserts and reads typed rows through the same query builder", async () => {
      const id = newId("tenant");
      await t.db
        .insert(tenants)
        .values({ id, slug: `acme-${driver}`, name: "Acme", email: "a@acme.test", plan: "pro" });
      const [row] = await t.db.select().from(tenants).where(eq(tenants.id, id));
      expect(row).toMatchObject({
        id,
        slug: `acme-${driver}`,
        status: "pending",
        plan: "pro",
        stripeCustomerId: null,
      });
      expect(row?.createdAt).toBeInstanceOf(Date);
    });

    it("refuses a second tenant with the same slug", async () => {
      const values = { slug: "dupe", name: "D", email: "d@d.test", plan: "free" };
      await t.db.insert(tenants).values({ id: newId("tenant"), ...values });
      await expect(t.db.insert(tenants).values({ id: newId("tenant"), ...values })).rejects.toThrow();
      const count = await t.db.$count(tenants, eq(tenants.slug, "dupe"));
      expect(count).toBe(1);
    });

    it("refuses a status outside the enum", async () => {
      await expect(
        t.db.execute(
          sql`insert into tenants (id, slug, name, email, plan, status) values ('ten_x', 'bad-status', 'x', 'x@x', 'free', 'frozen')`,
        ),
      ).rejects.toThrow();
    });

    it("adds concurrent additive upserts to a bucket without losing any", async () => {
      const bucketStart = new Date("2026-11-01T10:00:00Z");
      const add = (value: number) =>
        t.db
          .insert(usageBuckets)
          .values({ tenantId: "ten_a", meter: "api_calls", bucketStart, value })
          .onConflictDoUpdate({
            target: [usageBuckets.tenantId, usageBuckets.meter, usageBuckets.bucketStart],
            set: { value: sql`${usageBuckets.value} + excluded.value` },
          });
      await Promise.all(Array.from({ length: 50 }, (_, i) => add(i + 1)));
      const [bucket] = await t.db.select().from(usageBuckets);
      expect(bucket?.value).toBe((50 * 51) / 2);
    });

    it("stores response bodies as bytes, byte for byte", async () => {
      const body = new Uint8Array([0, 255, 10, 13, 34, 92, 200]);
      await t.db.insert(idempotencyKeys).values({
        scope: "ten_a",
        key: "k1",
        method: "POST",
        path: "/v1/x",
        fingerprint: "f",
        state: "completed",
        ownerToken: "o",
        responseStatus: 201,
        responseHeaders: { "content-type": "application/json" },
        responseBody: body,
        expiresAt: new Date(Date.now() + 60_000),
      });
      const [row] = await t.db.select().from(idempotencyKeys);
      expect(Array.from(row?.responseBody ?? [])).toEqual(Array.from(body));
      expect(row?.responseHeaders).toEqual({ "content-type": "application/json" });
    });

    it("keeps bigint quantities exact as numbers", async () => {
      const big = 2 ** 40 + 7;
      await t.db.insert(usageBuckets).values({
        tenantId: "ten_b",
        meter: "tokens",
        bucketStart: new Date("2026-11-01T10:01:00Z"),
        value: big,
      });
      const [row] = await t.db.select().from(usageBuckets).where(eq(usageBuckets.tenantId, "ten_b"));
      expect(row?.value).toBe(big);
    });
  });
}
