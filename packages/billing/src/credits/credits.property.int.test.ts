import { type Database, rows } from "@org/db";
import { createTestDb, type TestDb } from "@org/testing";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { creditBalance } from "./balance.js";
import { consumeCredits } from "./consume.js";
import { grantCredits } from "./grant.js";
import { insertTenant } from "./test-tenant.js";

const T0 = Date.UTC(2026, 2, 1);
const HOUR = 3_600_000;

type Step =
  | { op: "grant"; amount: number; priority: number; expiresInHours: number | null }
  | { op: "consume"; amount: number }
  | { op: "advance"; hours: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant("grant" as const),
    amount: fc.integer({ min: 1, max: 1_000 }),
    priority: fc.integer({ min: 0, max: 3 }),
    expiresInHours: fc.option(fc.integer({ min: 1, max: 48 }), { nil: null }),
  }),
  fc.record({ op: fc.constant("consume" as const), amount: fc.integer({ min: 0, max: 1_500 }) }),
  fc.record({ op: fc.constant("advance" as const), hours: fc.integer({ min: 1, max: 24 }) }),
);

/** The specification: grants drawn in (priority, expiry, age) order, expired ones dropped. */
interface ModelGrant {
  remaining: number;
  priority: number;
  expiresAtMs: number | null;
  seq: number;
}
function modelConsume(grants: ModelGrant[], amount: number, atMs: number): number[] {
  const live = grants
    .filter((g) => g.remaining > 0 && (g.expiresAtMs === null || g.expiresAtMs > atMs))
    .sort(
      (a, b) =>
        a.priority - b.priority ||
        (a.expiresAtMs ?? Number.POSITIVE_INFINITY) - (b.expiresAtMs ?? Number.POSITIVE_INFINITY) ||
        a.seq - b.seq,
    );
  const drawn: number[] = [];
  let left = amount;
  for (const g of live) {
    const take = Math.min(left, g.remaining);
    if (take === 0) break;
    g.remaining -= take;
    left -= take;
    drawn.push(g.seq);
  }
  return drawn;
}

describe("credits ledger (property)", () => {
  let t: TestDb;
  let db: Database;
  beforeAll(async () => {
    t = await createTestDb();
    db = t.db as Database;
  }, 60_000);
  afterAll(() => t?.cleanup());

  it("balance == granted - consumed - expired, never negative, drawn in priority then expiry order", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const tenantId = await insertTenant(db);
        const model: ModelGrant[] = [];
        const grantSeq = new Map<string, number>();
        let now = T0;
        for (const [i, s] of steps.entries()) {
          // One millisecond per step: grants of equal priority and expiry are drawn oldest first,
          // and each has its own instant, so the order the model expects is the only one.
          now += 1;
          if (s.op === "advance") now += s.hours * HOUR;
          if (s.op === "grant") {
            const expiresAtMs = s.expiresInHours === null ? null : now + s.expiresInHours * HOUR;
            const { grant } = await grantCredits(db, {
              tenantId,
              key: `k${i}`,
              amount: s.amount,
              priority: s.priority,
              ...(expiresAtMs === null ? {} : { expiresAt: new Date(expiresAtMs).toISOString() }),
              reason: "property",
              atMs: now,
            });
            grantSeq.set(grant.id, i);
            model.push({ remaining: s.amount, priority: s.priority, expiresAtMs, seq: i });
          }
          if (s.op === "consume") {
            const expected = modelConsume(model, s.amount, now);
            const before = await creditBalance(db, tenantId, "usd", now);
            const consumed = await consumeCredits(db, {
              tenantId,
              currency: "usd",
              amount: s.amount,
              source: `c${i}`,
              atMs: now,
            });
            expect(consumed).toBe(Math.min(s.amount, before));
            const drawn = rows<{ grant_id: string }>(
              await db.execute(sql`
                select grant_id from credit_ledger
                where tenant_id = ${tenantId} and kind = 'consumption' and source = ${`c${i}`}`),
            ).map((r) => grantSeq.get(r.grant_id));
            expect(drawn.sort()).toEqual([...expected].sort());
          }
          const balance = await creditBalance(db, tenantId, "usd", now);
          const [sums] = rows<{ granted: string; consumed: string; expired: string }>(
            await db.execute(sql`
              select coalesce(sum(amount) filter (where kind = 'grant'), 0) as granted,
                     coalesce(sum(amount) filter (where kind = 'consumption'), 0) as consumed,
                     coalesce(sum(amount) filter (where kind = 'expiration'), 0) as expired
              from credit_ledger where tenant_id = ${tenantId}`),
          );
          expect(balance).toBeGreaterThanOrEqual(0);
          expect(balance).toBe(Number(sums!.granted) - Number(sums!.consumed) - Number(sums!.expired));
          const modelBalance = model
            .filter((g) => g.expiresAtMs === null || g.expiresAtMs > now)
            .reduce((sum, g) => sum + g.remaining, 0);
          expect(balance).toBe(modelBalance);
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
