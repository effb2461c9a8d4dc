/** @module Node entry: intake, workers, or both (WEBHOOK_WORKER_MODE), with graceful shutdown. */
import { createInboxWorker, type InboxWorker, purgeProcessedEvents } from "@org/billing";
import { runMain } from "@org/server-kit";
import { serveNode } from "@org/server-kit/hono";
import { createApp } from "./app.js";
import { buildDeps } from "./deps.js";
import { parseEnv } from "./env.js";
import { notificationsJob } from "./notifications-job.js";
import { type PeriodicJob, startPeriodic } from "./periodic.js";
import { reconcileJob } from "./reconcile-job.js";

runMain(async () => {
  const env = parseEnv();
  const deps = await buildDeps(env);
  const workers: InboxWorker[] = [];
  if (deps.handle) {
    for (let i = 0; i < env.WORKER_COUNT; i++) {
      const worker = createInboxWorker({
        db: deps.db,
        handle: deps.handle,
        logger: deps.logger,
        metrics: deps.workerMetrics,
        batchSize: env.WORKER_BATCH_SIZE,
        pollMs: env.WORKER_POLL_MS,
        lockMs: env.WORKER_LOCK_MS,
        retry: {
          baseMs: env.WORKER_RETRY_BASE_MS,
          capMs: env.WORKER_RETRY_CAP_MS,
          windowMs: env.WORKER_RETRY_WINDOW_MS,
        },
      });
      await worker.start();
      workers.push(worker);
    }
  }
  const jobs: PeriodicJob[] = [];
  if (deps.handle) {
    jobs.push({
      name: "inbox.retention",
      everyMs: 3_600_000,
      run: async () => ({
        deleted: await purgeProcessedEvents(deps.db, {
          retentionMs: env.WEBHOOK_RETENTION_DAYS * 86_400_000,
        }),
      }),
    });
  }
  if (deps.billing && env.RECONCILE_INTERVAL_MINUTES > 0) {
    jobs.push(
      reconcileJob(deps.billing, {
        everyMs: env.RECONCILE_INTERVAL_MINUTES * 60_000,
        registry: deps.metrics.registry,
        logger: deps.logger,
      }),
    );
  }
  if (deps.billing && env.NOTIFICATIONS_INTERVAL_MS > 0) {
    jobs.push(
      notificationsJob(
        { db: deps.db, stripe: deps.billing.stripe, sender: deps.notificationSender },
        { everyMs: env.NOTIFICATIONS_INTERVAL_MS, registry: deps.metrics.registry },
      ),
    );
  }
  const stopJobs = startPeriodic(jobs, deps.logger);
  const app = createApp({
    db: deps.db,
    logger: deps.logger,
    metrics: deps.metrics,
    workerMetrics: deps.workerMetrics,
    webhookSecrets: env.STRIPE_WEBHOOK_SECRET,
    toleranceSeconds: env.WEBHOOK_TOLERANCE_SECONDS,
    adminToken: env.ADMIN_TOKEN,
    metricsToken: env.METRICS_TOKEN,
  });
  await serveNode({
    fetch: app.fetch,
    port: env.PORT,
    hostname: env.HOST,
    logger: deps.logger,
    onShutdown: async () => {
      // Each worker finishes the batch in hand; unfinished claims expire and are taken by others.
      await Promise.all([stopJobs(), ...workers.map((w) => w.stop())]);
      await deps.close();
    },
  });
  deps.logger.info({ mode: env.WEBHOOK_WORKER_MODE, workers: workers.length }, "webhook-worker.ready");
});
