/** @module Test helper: a bare tenant row for the ledger's foreign key. */
import { type Database, newId, tenants } from "@org/db";

export async function insertTenant(db: Database): Promise<string> {
  const id = newId("tenant");
  await db.insert(tenants).values({
    id,
    slug: `c-${id.slice(4, 16).toLowerCase()}`,
    name: "Credits test",
    email: "owner@credits.test",
    plan: "pro",
    status: "active",
  });
  return id;
}
