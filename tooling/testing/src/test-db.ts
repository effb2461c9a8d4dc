/** @module An isolated, migrated database for one test file: real Postgres when reachable, else PGlite. */
import { closeDb, createDb, type Database, type DbDriver, migrate } from "@org/db";
import { createFreshDatabase, postgresAvailable } from "@org/test-services";

export interface TestDb {
  db: Database;
  driver: DbDriver;
  /** Connection URL when on Postgres: other processes of the test can open the same database. */
  url?: string;
  /** Closes the connection and drops the database. */
  cleanup(): Promise<void>;
}

export interface TestDbOptions {
  /**
   * `auto` (default): Postgres when reachable, PGlite otherwise (an error under
   * TEST_REQUIRE_SERVICES=1). `postgres` / `pglite` force one.
   */
  driver?: DbDriver | "auto";
  /** Skip migrations (tests of migrate() itself). */
  migrate?: boolean;
  maxConnections?: number;
}

/**
 * A fresh database with every migration applied.
 *
 * @example
 * let t: TestDb;
 * beforeAll(async () => { t = await createTestDb(); });
 * afterAll(() => t.cleanup());
 */
export async function createTestDb(options: TestDbOptions = {}): Promise<TestDb> {
  const wanted = options.driver ?? "auto";
  // Forcing postgres still goes through the probe, which throws under TEST_REQUIRE_SERVICES=1.
  const reachable = wanted === "pglite" ? false : await postgresAvailable();
  if (wanted === "postgres" || reachable) {
    const fresh = await createFreshDatabase();
    const db = createDb({ driver: "postgres", url: fresh.url, maxConnections: options.maxConnections ?? 10 });
    if (options.migrate !== false) await migrate(db);
    return {
      db,
      driver: "postgres",
      url: fresh.url,
      async cleanup() {
        await closeDb(db);
        await fresh.drop();
      },
    };
  }
  const db = createDb({ driver: "pglite" });
  if (options.migrate !== false) await migrate(db);
  return { db, driver: "pglite", cleanup: () => closeDb(db) };
}
