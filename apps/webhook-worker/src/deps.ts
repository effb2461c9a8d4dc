/** @module Builds the webhook-worker's dependencies from its configuration. */
import { createStripeClient, handleStripeEvent, loadPlanCatalog, type SyncDeps } from "@org/billing";
import { closeDb, createDb, type Database, migrate } from "@org/db";
import { createLogger, createMetrics, type Logger, type ServiceMetrics } from "@org/server-kit";
import type Stripe from "stripe";
import type { Env } from "./env.js";
import { createWorkerMetrics, type WorkerMetrics } from "./metrics.js";
import type { EventHandler } from "./worker.js";

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

/** Turns the billing handler's outcome into the worker's. */
export function billingHandler(billing: SyncDeps): EventHandler {
  return async (row) => {
    const result = await handleStripeEvent(billing, row.payload as unknown as Stripe.Event);
    return result.outcome === "synced" ? { outcome: "synced" } : result;
  };
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
          metrics: { increment: (name) => workerMetrics.billing.inc({ event: name }) },
        });
  return { env, db, logger, metrics, workerMetrics, handle, close: () => closeDb(db) };
}
