import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFreshDatabase, postgresAvailable } from "@org/test-services";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { closeDb, createDb, type Database, migrate, rows } from "./index.js";

const hasPostgres = await postgresAvailable();
const journal = (await import("../drizzle/meta/_journal.json", { with: { type: "json" } })).default as {
  entries: unknown[];
};

const opened: Database[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await closeDb(db);
  for (const fn of cleanups.splice(0)) await fn();
});

const count = async (db: Database) =>
  rows<{ n: number }>(await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`))[0]
    ?.n;

describe("migrate() on PGlite", () => {
  it("applies every migration once, and nothing the second time", async () => {
    const db = createDb({ driver: "pglite" });
    opened.push(db);
    const first = await migrate(db);
    expect(first.applied).toHaveLength(journal.entries.length);
    const second = await migrate(db);
    expect(second.applied).toEqual([]);
    expect(await count(db)).toBe(journal.entries.length);
  });

  it("persists to a data directory across restarts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orgdb-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = createDb({ driver: "pglite", dataDir: dir });
    await migrate(first);
    await first.execute(
      sql`insert into tenants (id, slug, name, email, plan) values ('ten_p', 'persist', 'P', 'p@p', 'free')`,
    );
    await closeDb(first);
    const again = createDb({ driver: "pglite", dataDir: dir });
    opened.push(again);
    expect((await migrate(again)).applied).toEqual([]);
    const found = rows<{ slug: string }>(await again.execute(sql`select slug from tenants`));
    expect(found).toEqual([{ slug: "persist" }]);
  });
});

describe.skipIf(!hasPostgres)("migrate() on Postgres", () => {
  it("lets several processes' pools migrate one empty database at the same time", async () => {
    const fresh = await createFreshDatabase();
    cleanups.push(() => fresh.drop());
    const pools = Array.from({ length: 4 }, () =>
      createDb({ driver: "postgres", url: fresh.url, maxConnections: 2 }),
    );
    opened.push(...pools);
    const results = await Promise.all(pools.map((db) => migrate(db)));
    // Every call succeeded; exactly one of them did the work.
    const appliedCounts = results.map((r) => r.applied.length).sort();
    expect(appliedCounts).toEqual([0, 0, 0, journal.entries.length]);
    expect(await count(pools[0]!)).toBe(journal.entries.length);
  });

  it("rolls a failing migration back completely", async () => {
    const fresh = await createFreshDatabase();
    cleanups.push(() => fresh.drop());
    const db = createDb({ driver: "postgres", url: fresh.url, maxConnections: 1 });
    opened.push(db);
    const dir = mkdtempSync(join(tmpdir(), "orgdb-bad-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { writeFileSync, mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "meta"));
    writeFileSync(
      join(dir, "meta", "_journal.json"),
      JSON.stringify({
        version: "7",
        dialect: "postgresql",
        entries: [{ idx: 0, version: "7", when: 1, tag: "0000_bad", breakpoints: true }],
      }),
    );
    writeFileSync(
      join(dir, "0000_bad.sql"),
      "create table ok_table (id int);\n--> statement-breakpoint\nselect * from missing_table;",
    );
    await expect(migrate(db, { folder: dir })).rejects.toThrow();
    const tables = rows(
      await db.execute(sql`select 1 from information_schema.tables where table_name = 'ok_table'`),
    );
    expect(tables).toEqual([]);
  });
});
