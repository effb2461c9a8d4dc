/** @module @org/usage-metering/hono: the HTTP routes of usage and entitlements, and request-path middleware. */
export { type QuotaOptions, quota, type UsageCounterOptions, usageCounter } from "./middleware.js";
export { type UsageRoutesOptions, usageRoutes } from "./routes.js";
