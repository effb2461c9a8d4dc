/**
 * @module @org/platform: the v1 HTTP surface composed from the packages. Its dependencies, plans,
 * overage reporting and readiness checks are here; mounting it on a Hono app is `@org/platform/hono`.
 */
export {
  createOverageReporting,
  type OverageReportingOptions,
  type OverageRun,
} from "./overage-reporting.js";
export { createPlatformPlans, type PlatformPlans, SELF_HOSTED_PLAN } from "./plans.js";
export {
  type BuiltPlatformDeps,
  createPlatformDeps,
  type PlatformDeps,
  type PlatformDepsOptions,
} from "./platform-deps.js";
export { readinessChecks } from "./readiness.js";
export { enqueueUsageAlert } from "./usage-alert-outbox.js";
