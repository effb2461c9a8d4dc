/** @module @org/platform: the v1 HTTP surface composed from the packages. */
export { mountOpenApi, openApiDocument } from "./openapi.js";
export {
  createOverageReporting,
  type OverageReportingOptions,
  type OverageRun,
} from "./overage-reporting.js";
export { createPlatformPlans, type PlatformPlans, SELF_HOSTED_PLAN } from "./plans.js";
export { type BuiltPlatformDeps, createPlatformDeps, type PlatformDepsOptions } from "./platform-deps.js";
export { readinessChecks } from "./readiness.js";
export { routeAccess, SERVICE_ROUTE_ACCESS } from "./route-access.js";
export {
  ABUSE_POLICIES,
  type MountedV1,
  type MountV1Options,
  mountV1,
  type PlatformDeps,
  type PlatformEnv,
  type TenantSource,
} from "./v1.js";
