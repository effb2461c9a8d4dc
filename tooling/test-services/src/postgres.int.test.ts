import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { createFreshDatabase, dropStaleTestDatabases, isTestDatabaseName } from "./postgres.js";
import { postgresAvailable, TEST_DATABASE_URL } from "./services.js";

describe("test database names", () => {
  it("match only what createFreshDatabase makes: never test, template1 or a look-alike", () => {
    for (const name of [
      "test",
      "template0",
      "template1",
      "postgres",
      "root",
      "t_",
      "t_decoy",
      "tx_1_0123456789ab",
    ])
      expect(isTestDatabaseName(name), name).toBe(false);
    expect(isTestDatabaseName("t_12345_0123456789ab")).toBe(true);
  });
});

describe.runIf(await postgresAvailable())("stale test databases", () => {
  it("are swept without touching young test databases or any other database", async () => {
    const fresh = await createFreshDatabase();
    const conn = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
    try {
      await dropStaleTestDatabases();
      const names = (await conn<{ datname: string }[]>`SELECT datname FROM pg_database`).map(
        (r) => r.datname,
      );
      expect(names).toContain(fresh.name); // made a moment ago: not stale
      expect(names).toContain("template1");
      expect(names).toContain("postgres");
    } finally {
      await conn.end();
      await fresh.drop();
    }
  });
});
