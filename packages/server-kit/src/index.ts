/**
 * @module @org/server-kit: what every service shares around its routes. Configuration, logging,
 * metrics and the readiness contract are here; everything that takes a Hono app is in
 * `@org/server-kit/hono`.
 */
export { apiEnv, ConfigError, parseConfig, runMain, serviceEnv } from "./config.js";
export { createHttpMetrics, HTTP_DURATION_BUCKETS, type HttpMetrics } from "./http-metrics.js";
export { createLogger, type Logger, type LoggerConfig, REDACTED_PATHS } from "./logger.js";
export { createMetrics, type ServiceMetrics } from "./metrics.js";
export type { CheckResult, DownReason, ReadinessCheck } from "./readiness.js";
