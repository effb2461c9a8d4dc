/** @module Builds the webhook-worker's dependencies from its configuration. */
import { billingHandler, createStripeClient, type EventHandler, loadPlanCatalog } from "@org/billing";
import { closeDb, createDb, type Database, migrate } from "@org/db";
import { createLogger, createMetrics, type Logger, type ServiceMetrics } from "@org/server-kit";
import type { Env } from "./env.js";
import { createWorkerMetrics, type WorkerMetrics } from "./metrics.js";

export interface Deps {
  env: Env;
  db: Database;
  logger: Logger;
  metrics: ServiceMetrics;
  workerMetrics: WorkerMetrics;
  /** The billing handler; absent in intake-only mode. */
  handle?: EventHandler;
  close(): Promise<void>;
}

export async function buildDeps(
  env: Env,
  logger = createLogger({ service: "webhook-worker", level: env.LOG_LEVEL }),
): Promise<Deps> {
  const db = createDb({
    driver: "postgres",
    url: env.DATABASE_URL,
    maxConnections: env.DATABASE_POOL_SIZE,
    applicationName: "org-webhook-worker",
  });
  await migrate(db);
  const metrics = createMetrics({ service: "webhook-worker" });
  const workerMetrics = createWorkerMetrics(metrics.registry, db);
  const handle =
    env.WEBHOOK_WORKER_MODE === "intake" || !env.STRIPE_SECRET_KEY
      ? undefined
      : billingHandler({
          db,
          stripe: createStripeClient({ secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE }),
          catalog: loadPlanCatalog(env.PLANS_FILE),
          logger: logger.child({ component: "billing" }),
        });
  return { env, db, logger, metrics, workerMetrics, handle, close: () => closeDb(db) };
}
