export { adminRoutes } from "./admin.js";
export { type App, type AppDeps, createApp } from "./app.js";
export { billingHandler, buildDeps, type Deps } from "./deps.js";
export { ConfigError, type Env, envSchema, parseEnv } from "./env.js";
export {
  backoffMs,
  claimDue,
  INBOX_CHANNEL,
  type InboxRow,
  type IncomingEvent,
  insertEvent,
  markFailed,
  markProcessed,
  queueStats,
  requeue,
} from "./inbox.js";
export { intakeRoutes } from "./intake.js";
export { createWorkerMetrics, type WorkerMetrics } from "./metrics.js";
export { createInboxWorker, type EventHandler, type InboxWorker, type WorkerOptions } from "./worker.js";
