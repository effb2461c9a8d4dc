/** @module Builds the webhook-worker's dependencies from its configuration. */
import {
  billingHandler,
  createStripeClient,
  type EventHandler,
  loadPlanCatalog,
  logNotificationSender,
  type NotificationSender,
  type SyncDeps,
  webhookNotificationSender,
} from "@org/billing";
import { closeDb, createDb, type Database, migrate } from "@org/db";
import { createRedisBus, type InvalidationBus, tenantInvalidationChannel } from "@org/multitenancy";
import { createLogger, createMetrics, type Logger, type ServiceMetrics } from "@org/server-kit";
import { Redis } from "ioredis";
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
  /** What the handler syncs with (for the scheduled reconcile); absent in intake-only mode. */
  billing?: SyncDeps;
  /** Delivers the notifications outbox: the signed webhook when configured, else the log. */
  notificationSender: NotificationSender;
  /** cloud-api's tenant invalidation bus, when REDIS_URL is set. */
  bus?: InvalidationBus;
  close(): Promise<void>;
}

/**
 * Opens Postgres (migrated), and Redis when configured: a plan or status change that a webhook
 * causes is published on cloud-api's invalidation channel, so every cloud-api node drops the
 * tenant from its cache at once instead of serving the old plan until the entry expires.
 */
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
  const processing = env.WEBHOOK_WORKER_MODE !== "intake" && !!env.STRIPE_SECRET_KEY;
  const redis =
    processing && env.REDIS_URL
      ? new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, connectionName: "org-webhook-worker" })
      : undefined;
  const bus = redis
    ? await createRedisBus({
        redis,
        channel: tenantInvalidationChannel(env.REDIS_KEY_PREFIX),
        logger: logger.child({ component: "tenant-bus" }),
      })
    : undefined;
  const billingLogger = logger.child({ component: "billing" });
  const billing: SyncDeps | undefined =
    processing && env.STRIPE_SECRET_KEY
      ? {
          db,
          stripe: createStripeClient({ secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE }),
          catalog: loadPlanCatalog(env.PLANS_FILE),
          logger: billingLogger,
          metrics: { increment: (name: string) => workerMetrics.billing.inc({ event: name }) },
          ...(bus
            ? {
                onTenantChanged: (tenantId: string) =>
                  bus
                    .publish({ tenantId })
                    .catch((error) =>
                      billingLogger.error({ err: error, tenantId }, "tenant.invalidate_failed"),
                    ),
              }
            : {}),
        }
      : undefined;
  const handle = billing ? billingHandler(billing) : undefined;
  const notificationSender =
    env.NOTIFICATIONS_WEBHOOK_URL && env.NOTIFICATIONS_WEBHOOK_SECRET
      ? webhookNotificationSender({
          url: env.NOTIFICATIONS_WEBHOOK_URL,
          secret: env.NOTIFICATIONS_WEBHOOK_SECRET,
        })
      : logNotificationSender(logger.child({ component: "notifications" }));
  return {
    env,
    db,
    logger,
    metrics,
    workerMetrics,
    handle,
    billing,
    notificationSender,
    bus,
    async close() {
      await bus?.close();
      redis?.disconnect();
      await closeDb(db);
    },
  };
}
