/** @module @org/usage-metering/hono: the HTTP routes of usage and entitlements, and request-path middleware. */

export {
  meterAlertSettingsSchema,
  type UsageAlertRoutesOptions,
  type UsageAlerts,
  usageAlertRoutes,
  usageAlertsBody,
} from "./alerts-routes.js";
export { type QuotaOptions, quota, type UsageCounterOptions, usageCounter } from "./middleware.js";
export {
  type UsageEventsResponse,
  type UsageRoutesOptions,
  type UsageSeriesResponse,
  type UsageSummaryResponse,
  usageEventsBody,
  usageQuery,
  usageRoutes,
  usageSummaryView,
} from "./routes.js";
export {
  type UsagePreviewRouteOptions,
  usagePreviewRoute,
  usagePreviewRoutes,
} from "./usage-preview-route.js";
