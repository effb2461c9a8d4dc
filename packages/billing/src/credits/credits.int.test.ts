import { type Database, rows } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { creditBalance, listCreditLedger } from "./balance.js";
import { consumeCredits } from "./consume.js";
import { grantCredits } from "./grant.js";
import { insertTenant } from "./test-tenant.js";

const T0 = Date.UTC(2026, 2, 1);
const DAY = 86_400_000;

describe("credits ledger", () => {
  let t: TestDb;
  let db: Database;
  beforeAll(async () => {
    t = await createTestDb({ maxConnections: 12 });
    db = t.db as Database;
  }, 60_000);
  afterAll(() => t?.cleanup());

  it("refuses to UPDATE, DELETE or TRUNCATE a ledger row", async () => {
    const tenantId = await insertTenant(db);
    await grantCredits(db, { tenantId, key: "g1", amount: 1_000, reason: "welcome", atMs: T0 });
    for (const statement of [
      sql`update credit_ledger set amount = 5 where tenant_id = ${tenantId}`,
      sql`delete from credit_ledger where tenant_id = ${tenantId}`,
      sql`truncate credit_ledger`,
    ]) {
      const error = await db.execute(statement).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(String((error?.cause as Error | undefined)?.message ?? error)).toMatch(/append-only/);
    }
    expect(await creditBalance(db, tenantId, "usd", T0)).toBe(1_000);
  });

  it("grants once per grant key", async () => {
    const tenantId = await insertTenant(db);
    const first = await grantCredits(db, {
      tenantId,
      key: "topup-1",
      amount: 2_500,
      reason: "prepaid",
      atMs: T0,
    });
    const again = await grantCredits(db, {
      tenantId,
      key: "topup-1",
      amount: 2_500,
      reason: "prepaid",
      atMs: T0,
    });
    expect(first.created).toBe(true);
    expect(again).toEqual({ grant: first.grant, created: false });
    expect(await creditBalance(db, tenantId, "usd", T0)).toBe(2_500);
  });

  it("consumes by priority, then earliest expiry, and once per source; expiries become ledger rows", async () => {
    const tenantId = await insertTenant(db);
    const late = iso(T0 + 30 * DAY);
    const soon = iso(T0 + 10 * DAY);
    const a = await grantCredits(db, { tenantId, key: "a", amount: 300, priority: 1, reason: "a", atMs: T0 });
    const b = await grantCredits(db, {
      tenantId,
      key: "b",
      amount: 200,
      expiresAt: late,
      reason: "b",
      atMs: T0,
    });
    const c = await grantCredits(db, {
      tenantId,
      key: "c",
      amount: 100,
      expiresAt: soon,
      reason: "c",
      atMs: T0,
    });
    const request = { tenantId, currency: "usd", amount: 250, source: "order:1", atMs: T0 + DAY };
    expect(await consumeCredits(db, request)).toBe(250);
    expect(await consumeCredits(db, request)).toBe(250);
    const page = await listCreditLedger(db, tenantId, { limit: 50 });
    const drawn = page.data.filter((e) => e.kind === "consumption").map((e) => [e.grantId, e.amount]);
    expect(drawn.sort()).toEqual(
      [
        [c.grant.id, -100],
        [b.grant.id, -150],
      ].sort(),
    );
    // b's 50 left expire at its expiry; a (priority 1, no expiry) stays.
    expect(await creditBalance(db, tenantId, "usd", T0 + 31 * DAY)).toBe(300);
    const after = await listCreditLedger(db, tenantId, { limit: 50 });
    expect(after.data.filter((e) => e.kind === "expiration").map((e) => [e.grantId, e.amount])).toEqual([
      [b.grant.id, -50],
    ]);
    expect(a.grant.priority).toBe(1);
  });

  it("pages the ledger newest first with a cursor", async () => {
    const tenantId = await insertTenant(db);
    for (let i = 0; i < 5; i++)
      await grantCredits(db, { tenantId, key: `p${i}`, amount: 10 + i, reason: "p", atMs: T0 + i * 1_000 });
    const first = await listCreditLedger(db, tenantId, { limit: 3 });
    const second = await listCreditLedger(db, tenantId, { limit: 3, cursor: first.nextCursor! });
    expect([...first.data, ...second.data].map((e) => e.amount)).toEqual([14, 13, 12, 11, 10]);
    expect(second.nextCursor).toBeNull();
  });

  it("never overdraws under 20 parallel consumptions of one tenant", async () => {
    const tenantId = await insertTenant(db);
    await grantCredits(db, { tenantId, key: "g", amount: 1_000, reason: "g", atMs: T0 });
    await grantCredits(db, { tenantId, key: "h", amount: 500, priority: 2, reason: "h", atMs: T0 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        consumeCredits(db, { tenantId, currency: "usd", amount: 100, source: `par:${i}`, atMs: T0 + 1 }),
      ),
    );
    expect(results.reduce((s, n) => s + n, 0)).toBe(1_500);
    expect(await creditBalance(db, tenantId, "usd", T0 + 1)).toBe(0);
    const [overdrawn] = rows<{ grants: string }>(
      await db.execute(sql`
        select count(*) filter (where total > g.amount) as grants
        from (select grant_id, sum(amount) as total from credit_ledger
              where tenant_id = ${tenantId} and kind = 'consumption' group by grant_id) c
        join credit_ledger g on g.tenant_id = ${tenantId} and g.id = c.grant_id`),
    );
    expect(Number(overdrawn!.grants)).toBe(0);
  }, 60_000);
});

const iso = (ms: number) => new Date(ms).toISOString();
