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
 * Creates an empty database on the test server. Each test file gets its own, so files can run in
 * parallel and a test can never see another's rows.
 */
export async function createFreshDatabase(): Promise<FreshDatabase> {
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

/** Drops test databases left behind by test processes that were killed (older than an hour). */
export async function dropStaleTestDatabases(): Promise<number> {
  const conn = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    const rows = await conn<{ datname: string }[]>`
      SELECT datname FROM pg_database d
      WHERE datname LIKE ${`${PREFIX}%`}
        AND (pg_stat_file('base/' || d.oid || '/PG_VERSION')).modification < now() - interval '1 hour'`;
    for (const { datname } of rows) await conn.unsafe(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    return rows.length;
  } catch {
    return 0; // pg_stat_file needs superuser; cleaning up is a courtesy, not a requirement
  } finally {
    await conn.end();
  }
}
