/** @module @org/billing/hono: the billing, credits, webhook intake and inbox admin routes, declared once for the OpenAPI document. */

export {
  type BillingNotConfiguredRoutesOptions,
  billingNotConfiguredRoutes,
} from "./billing-not-configured-routes.js";
export { billingPreviewRoutes } from "./billing-preview-route.js";
export { billingPreviewRoute, billingRouteDeclarations } from "./billing-route-declarations.js";
export {
  type BillingSubscriptionResponse,
  billingPreviewQuery,
  billingPreviewSchema,
  billingSubscriptionResponseSchema,
  type CheckoutResponse,
  cancelBody,
  changeBody,
  changeKindSchema,
  checkoutBody,
  checkoutCompleteQuery,
  checkoutResponseSchema,
  invoicesPageSchema,
  invoiceViewSchema,
  type PlanChangeResponse,
  type PortalResponse,
  pageQuery,
  paymentMethodsPageSchema,
  paymentMethodViewSchema,
  planChangeResponseSchema,
  portalBody,
  portalResponseSchema,
  subscriptionResponseSchemas,
  subscriptionViewSchema,
} from "./billing-schemas.js";
export {
  type AdminCreditsRoutesOptions,
  adminCreditsRoutes,
  type CreditsRoutesOptions,
  creditsRoute,
  creditsRoutes,
  grantCreditsRoute,
} from "./credits-routes.js";
export {
  type CreditsResponse,
  creditEntrySchema,
  creditGrantBody,
  creditGrantSchema,
  creditsResponseSchema,
} from "./credits-schemas.js";
export {
  type InboxAdminRoutesOptions,
  inboxAdminRoutes,
  listWebhookEventsRoute,
  replayDeadWebhookEventsRoute,
  replayWebhookEventRoute,
  showWebhookEventRoute,
  webhookQueueStatsRoute,
} from "./inbox-admin-routes.js";
export {
  webhookEventIdParams,
  webhookEventListQuery,
  webhookEventListSchema,
  webhookEventSchema,
  webhookEventSummarySchema,
  webhookEventsReplayedSchema,
  webhookQueueStatsSchema,
} from "./inbox-admin-schemas.js";
export {
  type BillingRoutesOptions,
  type BillingTenant,
  billingRoutes,
} from "./routes.js";
export {
  stripeEventSchema,
  type WebhookIntakeMetrics,
  type WebhookIntakeRoutesOptions,
  webhookIntakeRoute,
  webhookIntakeRoutes,
  webhookReceivedSchema,
} from "./webhook-intake-routes.js";
