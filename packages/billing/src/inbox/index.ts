/** @module The durable inbox of Stripe events and the worker that drains it. */
export { listEvents, type QueueStats, queueStats, requeue } from "./admin-queries.js";
export { backoffMs } from "./backoff.js";
export { billingHandler } from "./billing-handler.js";
export { claimDue, type InboxRow, markFailed, markProcessed } from "./claims.js";
export { INBOX_CHANNEL, type IncomingEvent, insertEvent } from "./intake-store.js";
export {
  createInboxWorker,
  type EventHandler,
  type InboxWorker,
  type InboxWorkerMetrics,
  type WorkerOptions,
} from "./worker.js";
