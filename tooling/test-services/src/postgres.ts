/** @module A fresh, empty Postgres database per test file, dropped afterwards. */
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { TEST_DATABASE_URL } from "./services.js";

export interface FreshDatabase {
  /** Connection URL of the new, empty database. */
  url: string;
  name: string;
  /** Drops the database (terminating leftover connections). */
  drop(): Promise<void>;
}

const PREFIX = "t_";
/**
 * The exact shape of the names createFreshDatabase gives (prefix, pid, 12 hex digits). Cleanup
 * matches this and nothing else: a LIKE 't_%' would also match `test` and `template1`.
 */
const TEST_DATABASE_NAME = /^t_[0-9]+_[0-9a-f]{12}$/;

/** Whether `name` is a database createFreshDatabase made (the only ones cleanup may drop). */
export const isTestDatabaseName = (name: string): boolean => TEST_DATABASE_NAME.test(name);

/** Once per test process: databases of killed runs (over an hour old) go before a new one is made. */
let staleSwept: Promise<number> | undefined;

/**
 * Creates an empty database on the test server. Each test file gets its own, so files can run in
 * parallel and a test can never see another's rows.
 */
export async function createFreshDatabase(): Promise<FreshDatabase> {
  // A sweep that fails (a server where pg_stat_file is not allowed) must not fail the test itself.
  staleSwept ??= dropStaleTestDatabases().catch(() => 0);
  await staleSwept;
  const name = `${PREFIX}${process.pid}_${randomBytes(6).toString("hex")}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const conn = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
      try {
        await conn.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await conn.end();
      }
    },
  };
}

/** Drops test databases left behind by test processes that were killed (older than an hour), only those. */
export async function dropStaleTestDatabases(): Promise<number> {
  const conn = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    const rows = await conn<{ datname: string }[]>`
      SELECT datname FROM pg_database d
      WHERE datname ~ ${TEST_DATABASE_NAME.source} AND NOT datistemplate
        AND (pg_stat_file('base/' || d.oid || '/PG_VERSION')).modification < now() - interval '1 hour'`;
    for (const { datname } of rows) await conn.unsafe(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    return rows.length;
  } catch {
    return 0; // pg_stat_file needs superuser; cleaning up is a courtesy, not a requirement
  } finally {
    await conn.end();
  }
}
