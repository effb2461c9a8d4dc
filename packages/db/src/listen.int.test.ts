import { createFreshDatabase, postgresAvailable } from "@org/test-services";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { closeDb, createDb, type Database, listen } from "./index.js";

const hasPostgres = await postgresAvailable();

async function roundTrip(listener: Database, notifier: Database) {
  const received: string[] = [];
  const stop = await listen(listener, "test_channel", (payload) => received.push(payload));
  await notifier.execute(sql`select pg_notify('test_channel', 'evt_1')`);
  await notifier.execute(sql`select pg_notify('other_channel', 'evt_x')`);
  for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  await stop();
  await notifier.execute(sql`select pg_notify('test_channel', 'evt_2')`);
  await new Promise((r) => setTimeout(r, 100));
  return received;
}

describe("listen", () => {
  it("delivers notifications of its channel on PGlite, and none after unlisten", async () => {
    const db = createDb({ driver: "pglite" });
    expect(await roundTrip(db, db)).toEqual(["evt_1"]);
    await closeDb(db);
  });

  it.skipIf(!hasPostgres)("delivers notifications sent by another pool on Postgres", async () => {
    const fresh = await createFreshDatabase();
    const a = createDb({ driver: "postgres", url: fresh.url });
    const b = createDb({ driver: "postgres", url: fresh.url });
    try {
      expect(await roundTrip(a, b)).toEqual(["evt_1"]);
    } finally {
      await closeDb(a);
      await closeDb(b);
      await fresh.drop();
    }
  });
});
