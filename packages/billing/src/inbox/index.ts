/** @module The durable inbox of Stripe events and the worker that drains it. */
export {
  findEvent,
  type InboxEvent,
  type ListEventsOptions,
  listEvents,
  listEventsQuery,
  type QueueStats,
  queueStats,
  requeue,
} from "./admin-queries.js";
export {
  type ReplayEventResult,
  type ReplayOptions,
  replayDeadEvents,
  replayEvent,
} from "./audited-replay.js";
export { billingHandler } from "./billing-handler.js";
export { claimDue, type InboxRow, markFailed, markProcessed, renewClaims } from "./claims.js";
export { INBOX_CHANNEL, type IncomingEvent, insertEvent } from "./intake-store.js";
export { DEFAULT_INBOX_RETENTION_MS, purgeProcessedEvents } from "./retention.js";
export {
  DEFAULT_RETRY_SCHEDULE,
  nextRetry,
  type RetrySchedule,
  retryDelayMs,
} from "./retry-schedule.js";
export {
  createInboxWorker,
  type EventHandler,
  type InboxWorker,
  type InboxWorkerMetrics,
  type WorkerOptions,
} from "./worker.js";
