/** @module @org/usage-metering/hono: the HTTP routes of usage and entitlements, and request-path middleware. */

export {
  meterAlertSettingsSchema,
  type UsageAlertRoutesOptions,
  type UsageAlerts,
  usageAlertRoutes,
  usageAlertsBody,
  usageAlertsSchema,
} from "./alerts-routes.js";
export { type QuotaOptions, quota, type UsageCounterOptions, usageCounter } from "./middleware.js";
export {
  entitlementSchema,
  type UsageEventsResponse,
  type UsageRoutesOptions,
  type UsageSeriesResponse,
  usageEventsBody,
  usageEventsResponseSchema,
  usageQuery,
  usageRoutes,
  usageSeriesSchema,
} from "./routes.js";
export {
  meterPreviewSchema,
  type UsagePreviewResponse,
  type UsagePreviewRouteOptions,
  usagePreviewRoute,
  usagePreviewRoutes,
  usagePreviewSchema,
} from "./usage-preview-route.js";
export {
  meterSummarySchema,
  type UsageSummaryResponse,
  usageSummarySchema,
  usageSummaryView,
} from "./usage-summary.js";
