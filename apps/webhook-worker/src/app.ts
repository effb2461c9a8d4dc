/** @module createApp: the webhook-worker's Hono app, composing billing's intake and inbox admin routes. */
import { inboxAdminRoutes, webhookIntakeRoutes } from "@org/billing/hono";
import { type Database, ping } from "@org/db";
import { adminAuth } from "@org/multitenancy/hono";
import type { Logger, ServiceMetrics } from "@org/server-kit";
import { apiDocument, createServiceApp, mountApiDocs } from "@org/server-kit/hono";
import type { WorkerMetrics } from "./metrics.js";

export interface AppDeps {
  db: Database;
  logger: Logger;
  metrics: ServiceMetrics;
  workerMetrics?: WorkerMetrics;
  webhookSecrets: string[];
  toleranceSeconds?: number;
  adminToken?: string;
  /** Bearer token of /metrics; without one /metrics is refused. */
  metricsToken?: string;
  nowSeconds?: () => number;
}

/**
 * The HTTP side: `POST /webhooks/stripe`, the admin routes (when an admin token is configured),
 * `/health`, `/ready`, `/metrics`, `/openapi.json`, `/docs`.
 *
 * @example
 * const app = createApp({ db, logger, metrics, webhookSecrets: env.STRIPE_WEBHOOK_SECRET, adminToken: env.ADMIN_TOKEN });
 */
export function createApp(deps: AppDeps) {
  const app = createServiceApp({
    logger: deps.logger,
    metrics: deps.metrics,
    health: { checks: { database: () => ping(deps.db) } },
    // The intake route sets its own, larger bound; everything else is small JSON.
    maxBodyBytes: 1024 * 1024,
    metricsToken: deps.metricsToken,
  });
  const intake = webhookIntakeRoutes({
    db: deps.db,
    secrets: deps.webhookSecrets,
    toleranceSeconds: deps.toleranceSeconds,
    metrics: deps.workerMetrics,
    nowSeconds: deps.nowSeconds,
  });
  app.route("/", intake);
  let admin: ReturnType<typeof inboxAdminRoutes> | undefined;
  if (deps.adminToken) {
    admin = inboxAdminRoutes({ db: deps.db });
    app.use("/admin/*", adminAuth(deps.adminToken));
    app.route("/", admin);
  }
  mountApiDocs(app, apiDocument(admin ? [intake, admin] : [intake], { title: "webhook-worker" }));
  return app;
}

export type App = ReturnType<typeof createApp>;
