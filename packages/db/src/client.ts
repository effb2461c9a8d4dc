/** @module createDb: one typed drizzle database over postgres-js or embedded PGlite. */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema/index.js";

export type Schema = typeof schema;

/** The database every package takes: the same type whichever driver is underneath. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** A database or a transaction: functions that may run inside a caller's transaction take this. */
export type Executor = Database | Transaction;

export type DbConfig =
  | {
      driver: "postgres";
      /** e.g. `postgres://user@127.0.0.1:5432/app` */
      url: string;
      /** Pool size. @default 10 */
      maxConnections?: number;
      /** Seconds an idle connection stays open. @default 30 */
      idleTimeoutSeconds?: number;
      /** Seconds to wait for a new connection. @default 10 */
      connectTimeoutSeconds?: number;
      /** Name shown in pg_stat_activity. */
      applicationName?: string;
    }
  | {
      driver: "pglite";
      /** A directory for the data files; omitted -> in memory (tests). */
      dataDir?: string;
    };

export type DbDriver = DbConfig["driver"];

interface Handle {
  driver: DbDriver;
  close: () => Promise<void>;
  listen: (channel: string, onNotify: (payload: string) => void) => Promise<() => Promise<void>>;
}

const handles = new WeakMap<object, Handle>();

/**
 * Creates a typed database. No connection is opened at import time; postgres-js connects lazily,
 * PGlite starts when first used.
 *
 * @example
 * const db = createDb({ driver: "postgres", url: env.DATABASE_URL, maxConnections: 20 });
 * await migrate(db);
 * const rows = await db.select().from(tenants);
 */
export function createDb(config: DbConfig): Database {
  if (config.driver === "postgres") {
    const client = postgres(config.url, {
      max: config.maxConnections ?? 10,
      idle_timeout: config.idleTimeoutSeconds ?? 30,
      connect_timeout: config.connectTimeoutSeconds ?? 10,
      onnotice: () => {},
      connection: { application_name: config.applicationName ?? "org-platform" },
    });
    const db = drizzlePostgres({ client, schema, casing: "snake_case" }) as unknown as Database;
    handles.set(db, {
      driver: "postgres",
      close: () => client.end({ timeout: 5 }),
      listen: async (channel, onNotify) => {
        const { unlisten } = await client.listen(channel, (payload) => onNotify(payload));
        return unlisten;
      },
    });
    return db;
  }
  if (config.dataDir) mkdirSync(config.dataDir, { recursive: true });
  const client = new PGlite(config.dataDir);
  const db = drizzlePglite({ client, schema, casing: "snake_case" }) as unknown as Database;
  handles.set(db, {
    driver: "pglite",
    close: () => client.close(),
    listen: (channel, onNotify) => client.listen(channel, onNotify),
  });
  return db;
}

function handleOf(db: Database): Handle {
  const handle = handles.get(db);
  if (!handle) throw new Error("not a database created by createDb()");
  return handle;
}

/** Which driver a database runs on. */
export const driverOf = (db: Database): DbDriver => handleOf(db).driver;

/**
 * Subscribes to a Postgres NOTIFY channel (postgres-js keeps one dedicated connection for it and
 * re-listens after a reconnect). Returns the function that unsubscribes.
 *
 * @example
 * const stop = await listen(db, "stripe_webhook_events", (id) => wake());
 */
export const listen = (
  db: Database,
  channel: string,
  onNotify: (payload: string) => void,
): Promise<() => Promise<void>> => handleOf(db).listen(channel, onNotify);

/** Closes the pool (postgres) or the embedded instance (PGlite). Idempotent. */
export async function closeDb(db: Database): Promise<void> {
  const handle = handles.get(db);
  if (!handle) return;
  handles.delete(db);
  await handle.close();
}
