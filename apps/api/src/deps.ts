/** @module Builds the api's dependencies from its configuration: embedded defaults, real services when configured. */
import { join, resolve } from "node:path";
import { loadPlanCatalog, type PlanCatalog } from "@org/billing";
import { closeDb, createDb, type Database, migrate } from "@org/db";
import {
  type BuiltPlatformDeps,
  createPlatformDeps,
  createPlatformPlans,
  readinessChecks,
  SELF_HOSTED_PLAN,
} from "@org/platform";
import {
  createLogger,
  createMetrics,
  type Logger,
  type ReadinessCheck,
  type ServiceMetrics,
} from "@org/server-kit";
import { Redis } from "ioredis";
import { type BootstrapResult, bootstrap } from "./bootstrap.js";
import type { Env } from "./env.js";

export interface Deps extends BuiltPlatformDeps {
  env: Env;
  db: Database;
  redis?: Redis;
  logger: Logger;
  metrics: ServiceMetrics;
  catalog: PlanCatalog;
  organisation: BootstrapResult["organisation"];
  /** A key generated on this start (first start without INITIAL_API_KEY): print it once. */
  generatedSecret?: string;
  /** Human description of where data lives, for the start-up log. */
  storage: string;
  /** Readiness checks of every dependency. */
  readiness: Record<string, ReadinessCheck>;
}

/**
 * Opens every dependency: PGlite under DATA_DIR or Postgres (DATABASE_URL), memory stores or Redis
 * (REDIS_URL), billing when STRIPE_SECRET_KEY is set. Migrates, and creates the organisation and
 * its first key on first start.
 */
export async function buildDeps(
  env: Env,
  logger = createLogger({ service: "api", level: env.LOG_LEVEL }),
): Promise<Deps> {
  const dataDir = join(resolve(env.DATA_DIR), "db");
  const db = env.DATABASE_URL
    ? createDb({ driver: "postgres", url: env.DATABASE_URL, applicationName: "org-api" })
    : createDb({ driver: "pglite", dataDir });
  const storage = env.DATABASE_URL ? "postgres" : `pglite at ${dataDir}`;
  const { applied } = await migrate(db);
  logger.info({ storage, migrationsApplied: applied.length }, "db.migrated");

  const redis = env.REDIS_URL
    ? new Redis(env.REDIS_URL, {
        enableAutoPipelining: true,
        maxRetriesPerRequest: 1,
        connectionName: "org-api",
      })
    : undefined;
  const metrics = createMetrics({ service: "api" });
  const catalog = loadPlanCatalog(env.PLANS_FILE);
  const platform = await createPlatformDeps({
    service: "api",
    db,
    redis,
    logger,
    metrics,
    catalog,
    plans: createPlatformPlans(catalog, { selfHosted: { ratePerSecond: env.RATE_LIMIT_PER_SECOND } }),
    fallbackPlan: SELF_HOSTED_PLAN,
    leaseUnits: env.RATE_LIMIT_LEASE_UNITS,
    rateLimitStoreTimeoutMs: env.RATE_LIMIT_STORE_TIMEOUT_MS,
    jwt: env.JWT_SECRET
      ? { secret: env.JWT_SECRET, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE }
      : undefined,
    stripe: env.STRIPE_SECRET_KEY
      ? { secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE, publicUrl: env.PUBLIC_URL }
      : undefined,
    adminToken: env.ADMIN_TOKEN,
  });

  const boot = await bootstrap(db, {
    slug: env.ORG_SLUG,
    name: env.ORG_NAME,
    email: env.ORG_EMAIL,
    initialApiKey: env.INITIAL_API_KEY,
  });

  const readiness = readinessChecks({ db, redis, billing: platform.billing });

  return {
    ...platform,
    env,
    db,
    redis,
    logger,
    metrics,
    catalog,
    organisation: boot.organisation,
    generatedSecret: boot.generatedSecret,
    storage,
    readiness,
    async close() {
      await platform.close();
      redis?.disconnect();
      await closeDb(db);
    },
  };
}
