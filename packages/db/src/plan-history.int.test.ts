import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, createDb, type Database, migrate, newId, tenants } from "./index.js";
import { planInForceAt, recordPlanChange } from "./plan-history.js";

const at = (day: number) => new Date(Date.UTC(2026, 2, day));
let db: Database;

beforeAll(async () => {
  db = createDb({ driver: "pglite" });
  await migrate(db);
});
afterAll(() => closeDb(db));

async function tenantOn(plan: string): Promise<string> {
  const id = newId("tenant");
  await db.insert(tenants).values({ id, slug: id.toLowerCase(), name: "T", email: "t@t.test", plan });
  return id;
}

describe("plan history", () => {
  it("answers the plan in force at each instant, not the current one", async () => {
    const id = await tenantOn("enterprise");
    await recordPlanChange(db, { tenantId: id, from: "free", to: "pro", at: at(10) });
    await recordPlanChange(db, { tenantId: id, from: "pro", to: "enterprise", at: at(20) });
    expect(await planInForceAt(db, id, at(5))).toBe("free");
    expect(await planInForceAt(db, id, at(10))).toBe("pro");
    expect(await planInForceAt(db, id, at(19))).toBe("pro");
    expect(await planInForceAt(db, id, at(25))).toBe("enterprise");
  });

  it("falls back to the tenant's plan without recorded changes, and to nothing for an unknown tenant", async () => {
    expect(await planInForceAt(db, await tenantOn("pro"), at(1))).toBe("pro");
    expect(await planInForceAt(db, "ten_unknown", at(1))).toBeUndefined();
  });
});
