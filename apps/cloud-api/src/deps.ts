/** @module Builds cloud-api's dependencies: Postgres, Redis, Stripe, the plans catalogue, signup. */
import { loadPlanCatalog, type PlanCatalog } from "@org/billing";
import { closeDb, createDb, type Database, migrate } from "@org/db";
import {
  type BuiltPlatformDeps,
  createOverageReporting,
  createPlatformDeps,
  createPlatformPlans,
  readinessChecks,
} from "@org/platform";
import {
  createLogger,
  createMetrics,
  type Logger,
  type ReadinessCheck,
  type ServiceMetrics,
} from "@org/server-kit";
import { createSignup, createSweeper, type Signup, type Sweeper, signupBillingPort } from "@org/signup";
import { Redis } from "ioredis";
import type { Env } from "./env.js";

export interface Deps extends BuiltPlatformDeps {
  env: Env;
  db: Database;
  redis: Redis;
  logger: Logger;
  metrics: ServiceMetrics;
  catalog: PlanCatalog;
  signup: Signup;
  sweeper: Sweeper;
  overage: ReturnType<typeof createOverageReporting>;
  readiness: Record<string, ReadinessCheck>;
}

/**
 * Opens Postgres and Redis (both required), migrates, and builds the platform, billing on Stripe and
 * the signup saga. A sweeper finishes or compensates signups abandoned by a crash.
 */
export async function buildDeps(
  env: Env,
  logger = createLogger({ service: "cloud-api", level: env.LOG_LEVEL }),
): Promise<Deps> {
  const { db, redis } = await openStores(env);
  const metrics = createMetrics({ service: "cloud-api" });
  const catalog = loadPlanCatalog(env.PLANS_FILE);
  const platform = await buildPlatform(env, { db, redis, logger, metrics, catalog });
  const billing = platform.billing!;
  const { signup, sweeper } = buildSignup(db, platform, catalog, logger);
  // Closed months still open to late events: each hourly run sends only the overage added since.
  const overage = createOverageReporting({
    billing,
    metering: platform.metering,
    plans: platform.plans,
    logger,
  });
  const stopTimers = startTimers(overage, sweeper, logger);
  const readiness = readinessChecks({ db, redis, billing });

  return {
    ...platform,
    env,
    db,
    redis,
    logger,
    metrics,
    catalog,
    signup,
    sweeper,
    overage,
    readiness,
    async close() {
      stopTimers();
      await platform.close();
      redis.disconnect();
      await closeDb(db);
    },
  };
}

/** Postgres (migrated) and Redis, both named after the service. */
async function openStores(env: Env): Promise<{ db: Database; redis: Redis }> {
  const db = createDb({
    driver: "postgres",
    url: env.DATABASE_URL,
    maxConnections: env.DATABASE_POOL_SIZE,
    applicationName: "org-cloud-api",
  });
  await migrate(db);
  const redis = new Redis(env.REDIS_URL, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    connectionName: "org-cloud-api",
  });
  return { db, redis };
}

/** The v1 platform on Redis, with billing on Stripe and the rate-limit settings from the environment. */
function buildPlatform(
  env: Env,
  base: Pick<Deps, "db" | "redis" | "logger" | "metrics" | "catalog">,
): Promise<BuiltPlatformDeps> {
  const { catalog } = base;
  return createPlatformDeps({
    ...base,
    service: env.REDIS_KEY_PREFIX,
    plans: createPlatformPlans(catalog),
    fallbackPlan: catalog.defaultPlan.id,
    expectedNodes: env.EXPECTED_NODES,
    leaseUnits: env.RATE_LIMIT_LEASE_UNITS,
    rateLimitStoreTimeoutMs: env.RATE_LIMIT_STORE_TIMEOUT_MS,
    jwt: env.JWT_SECRET
      ? { secret: env.JWT_SECRET, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE }
      : undefined,
    stripe: { secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE, publicUrl: env.PUBLIC_URL },
    adminToken: env.ADMIN_TOKEN,
  });
}

/** The signup saga on the platform's billing, and the sweeper of signups a crash left halfway. */
function buildSignup(
  db: Database,
  platform: BuiltPlatformDeps,
  catalog: PlanCatalog,
  logger: Logger,
): { signup: Signup; sweeper: Sweeper } {
  const port = signupBillingPort(platform.billing!);
  const signup = createSignup({
    db,
    bus: platform.bus,
    apiKeys: platform.apiKeys,
    billing: port,
    plans: catalog.plans.map((p) => p.id),
    isPaid: (plan) => catalog.isPaid(plan),
    trialDays: (plan) => catalog.get(plan)?.trialDays,
    // The route answers 503 with no cause; this is where the cause is kept.
    onStepError: (error, { compensationError, ...info }) =>
      logger.error(
        { err: error, ...info, ...(compensationError ? { compensationErr: compensationError } : {}) },
        "signup.step_failed",
      ),
  });
  const sweeper = createSweeper({
    db,
    billing: port,
    onError: (error, tenant) => logger.error({ err: error, tenantId: tenant.id }, "signup.sweep_failed"),
  });
  return { signup, sweeper };
}

/** Starts the hourly overage run and the minutely signup sweep (unref'd); returns their stop. */
function startTimers(overage: Deps["overage"], sweeper: Sweeper, logger: Logger): () => void {
  const overageTimer = setInterval(
    () =>
      void overage.reportDuePeriods().catch((error) => logger.error({ err: error }, "overage.run_failed")),
    3_600_000,
  );
  overageTimer.unref();
  const sweepTimer = setInterval(
    () => void sweeper.sweep().catch((error) => logger.error({ err: error }, "signup.sweep_failed")),
    60_000,
  );
  sweepTimer.unref();
  return () => {
    clearInterval(sweepTimer);
    clearInterval(overageTimer);
  };
}
