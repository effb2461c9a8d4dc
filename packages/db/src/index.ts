/** @module @org/db: the schema, createDb() for Postgres or PGlite, migrations, readiness. */
export {
  closeDb,
  createDb,
  type Database,
  type DbConfig,
  type DbDriver,
  driverOf,
  type Executor,
  listen,
  type Schema,
  type Transaction,
} from "./client.js";
export { type IdKind, newId, randomBase62 } from "./ids.js";
export { MIGRATIONS_FOLDER, type MigrateResult, migrate } from "./migrate.js";
export { type PingResult, ping } from "./ping.js";
export { type PlanChange, planInForceAt, recordPlanChange } from "./plan-history.js";
export { affectedRows, rows } from "./rows.js";
export * from "./schema/index.js";
